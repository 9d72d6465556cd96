/* Load the search index only when the reader starts a search (issue 7).
 *
 * Material's bundle requests search/search_index.json (XMLHttpRequest) on the first
 * view of every page, whatever the reader does: at 2,000 topics that is most of
 * a phone's first-visit transfer. This classic script runs in <head>, before the
 * bundle, and holds that one request back until the reader opens or focuses the
 * search (click, tap, keyboard shortcut, ?q= in the address). Material's search
 * worker waits for the index and answers the query once it arrives.
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
