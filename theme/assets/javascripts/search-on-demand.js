/* Load the search index only when the reader starts a search (issue 7).
 *
 * Material's bundle requests search/search_index.json (XMLHttpRequest) on the first
 * view of every page, whatever the reader does: at 2,000 topics that is most of
 * a phone's first-visit transfer. This classic script runs in <head>, before the
 * bundle, and holds that one request back until the reader opens or focuses the
 * search (click, tap, keyboard shortcut, ?q= in the address). Material's search
 * worker is held back the same way (below), and answers the query once the index arrives.
 * From file:// (offline build) Material loads search_index.js with a <script>
 * tag only when the search opens: nothing to do there.
 */
(function () {
  "use strict";

  if (location.protocol === "file:" || typeof XMLHttpRequest === "undefined") return;

  var started = false;
  var waiting = [];

  function start() {
    if (started) return;
    started = true;
    for (var i = 0; i < waiting.length; i++) waiting[i]();
    waiting = [];
  }

  var INDEX = /\/search\/search_index\.json(\?|$)/;
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;

  XMLHttpRequest.prototype.open = function (method, url) {
    this.__hbSearchIndex = INDEX.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (started || !this.__hbSearchIndex) return send.apply(this, arguments);
    var request = this;
    var args = arguments;
    waiting.push(function () {
      send.apply(request, args);
    });
  };

  // Material starts its search worker on every page too (12 KB gzip, a tenth of a
  // phone's first visit), though it has nothing to do before the index arrives. Until
  // the search starts, the bundle gets a stand-in that keeps its messages and listeners;
  // then the real worker is made and takes them over.
  var RealWorker = window.Worker;
  var SEARCH_WORKER = /\/workers\/search\.[0-9a-f]+\.min\.js(\?|$)/;
  if (RealWorker && typeof EventTarget === "function") {
    window.Worker = function (url, options) {
      if (started || !SEARCH_WORKER.test(String(url))) return new RealWorker(url, options);
      return standIn(url, options);
    };
    window.Worker.prototype = RealWorker.prototype;
  }

  function standIn(url, options) {
    var target = new EventTarget();
    var messages = [];
    var real = null;
    target.postMessage = function (message, transfer) {
      if (real) real.postMessage(message, transfer);
      else if (messages) messages.push([message, transfer]);
    };
    target.terminate = function () {
      if (real) real.terminate();
      messages = null;
    };
    waiting.push(function () {
      if (!messages) return;  // terminated before the search started
      real = new RealWorker(url, options);
      ["message", "messageerror", "error"].forEach(function (type) {
        real.addEventListener(type, function (event) {
          var copy = type === "error" ? new Event("error") : new MessageEvent(type, { data: event.data });
          target.dispatchEvent(copy);
          if (typeof target["on" + type] === "function") target["on" + type](copy);
        });
      });
      for (var i = 0; i < messages.length; i++) real.postMessage(messages[i][0], messages[i][1]);
      messages = [];
    });
    return target;
  }

  // Anything that opens or focuses the search starts the download.
  document.addEventListener(
    "focusin",
    function (event) {
      if (event.target && event.target.classList && event.target.classList.contains("md-search__input")) start();
    },
    true
  );
  document.addEventListener(
    "change",
    function (event) {
      if (event.target && event.target.id === "__search") start();
    },
    true
  );
  ["pointerdown", "touchstart", "click"].forEach(function (type) {
    document.addEventListener(
      type,
      function (event) {
        var el = event.target && event.target.closest ? event.target.closest("[for=__search], .md-search") : null;
        if (el) start();
      },
      { capture: true, passive: true }
    );
  });
  if (/[?&]q=/.test(location.search)) start();
})();
