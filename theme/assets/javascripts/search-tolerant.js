/* Search that forgives a tired clinician's typing (issue 15).
 *
 * Material's search runs Lunr.js in a web worker (an iframe standing in for it from
 * file://). This classic script, in <head> before Material's bundle, wraps the Worker
 * the bundle creates and touches only the query and result messages:
 *
 * - hyphenated words are joined ("anti-d" -> "antid"): the index splits words at a
 *   hyphen, and the query's lone "d*" matched every word starting with d; the build
 *   indexes the joined form too (generator/search_index.py);
 * - a query that finds nothing is asked again with each word of four letters or more
 *   allowed one typo (two from nine letters: at eight, "reversal" already matched unrelated words): "immunoglobin", "privigin". Exact words
 *   are tried first, so a typo never outranks what the reader actually wrote;
 * - so is a query one of whose words matched no page at all (Material marks each
 *   result's matched words in `terms`): only those words get the typo allowance,
 *   "imunoglobulin itp" (which found "itp" everywhere) becomes "imunoglobulin~2 itp";
 * - a search that still finds nothing marks the result list (data-hb-empty) so the
 *   page can say what this edition covers (partials/search.html, handbook.css).
 *
 * Message types are Material's (SearchMessageType: SETUP 0, READY 1, QUERY 2, RESULT 3).
 */
(function () {
  "use strict";

  var QUERY = 2;
  var RESULT = 3;
  var Original = window.Worker;
  if (typeof Original !== "function") return;

  function joinHyphens(query) {
    return query.replace(/([^\s\-]+)(?:-([^\s\-]+))+/g, function (word) {
      return word.replace(/-/g, "");
    });
  }

  // only: the lower-case words to forgive (all when absent).
  function forgiving(query, only) {
    return query
      .split(/\s+/)
      .filter(Boolean)
      .map(function (word) {
        if (/[~^*:+]/.test(word) || word.length < 4) return word;
        if (only && only.indexOf(word.toLowerCase()) < 0) return word;
        return word + "~" + (word.length >= 9 ? 2 : 1);
      })
      .join(" ");
  }

  // The query's words that no result matched: Material's result documents carry
  // terms {word: matched}; a word false in all of them found nothing anywhere.
  function unmatched(items) {
    var seen = {}, words = [];
    items.forEach(function (group) {
      group.forEach(function (doc) {
        Object.keys(doc.terms || {}).forEach(function (w) { seen[w] = seen[w] || doc.terms[w]; });
      });
    });
    Object.keys(seen).forEach(function (w) { if (!seen[w]) words.push(w); });
    return words;
  }

  function markEmpty(empty) {
    var result = document.querySelector(".md-search-result");
    if (result) result.setAttribute("data-hb-empty", empty ? "true" : "false");
  }

  function wrap(worker) {
    var post = worker.postMessage;
    var listen = worker.addEventListener;
    var pending = []; // what each outstanding query asked: {query, retried}

    worker.postMessage = function (message) {
      if (message && message.type === QUERY && typeof message.data === "string") {
        var query = joinHyphens(message.data);
        pending.push({ query: query, retried: false });
        message = { type: QUERY, data: query };
      }
      return post.call(worker, message);
    };

    worker.addEventListener = function (type, listener, options) {
      if (type !== "message" || typeof listener !== "function") return listen.call(worker, type, listener, options);
      var filtered = function (event) {
        var message = event.data;
        if (message && message.type === RESULT) {
          var asked = pending.shift();
          var empty = !message.data || !message.data.items || message.data.items.length === 0;
          var missing = empty ? null : unmatched(message.data.items);
          // Retry only the latest query: an older one's retry would overwrite newer results.
          if ((empty || missing.length) && asked && !asked.retried && pending.length === 0) {
            var retry = forgiving(asked.query, missing);
            if (retry !== asked.query) {
              pending.push({ query: retry, retried: true, fallback: empty ? null : event });
              post.call(worker, { type: QUERY, data: retry });
              return;
            }
          }
          // A retry that found nothing gives way to the first answer it was asked instead of.
          if (empty && asked && asked.fallback) {
            event = asked.fallback;
            empty = false;
          }
          markEmpty(empty && pending.length === 0 && Boolean(asked && asked.query.trim()));
        }
        listener.call(this, event);
      };
      return listen.call(worker, type, filtered, options);
    };
    return worker;
  }

  function TolerantWorker(url, options) {
    return wrap(new Original(url, options));
  }
  TolerantWorker.prototype = Original.prototype;
  window.Worker = TolerantWorker;
})();
