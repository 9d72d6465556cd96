/* The offline app on the page (issue 16): registers the service worker once the page
 * is usable, offers a new edition with a banner, shows the edition and the last check
 * when the phone is offline, and the "Keep this topic offline" control.
 *
 * A classic deferred script, linked by theme/overrides/partials/app.html only in a site
 * served over http(s) (never in the file:// build). The browser itself refuses service
 * workers outside https and localhost: then this script does nothing and the site
 * works online as before. Text from the worker is written with textContent only.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator) || !window.isSecureContext) return;

  var workerUrl = script.getAttribute("data-hb-app-worker");
  // Per handbook: two handbooks on one intranet host are checked separately.
  var CHECKED_KEY = "handbook.app.checked " + new URL(".", new URL(workerUrl, location.href)).href;
  var stylesUrl = script.getAttribute("data-hb-app-css");
  var pageEdition = script.getAttribute("data-hb-edition");
  var pageEditionDate = script.getAttribute("data-hb-edition-date");
  var pageWithdrawn = script.hasAttribute("data-hb-withdrawn");
  var container = navigator.serviceWorker;
  var controlledAtLoad = Boolean(container.controller);
  var reloading = false;

  // Another edition took over (the reader accepted it, or a recall): reload, so this
  // page, its calculators and its tables come from that edition and no other.
  container.addEventListener("controllerchange", function () {
    if (controlledAtLoad && !reloading) {
      reloading = true;
      window.location.reload();
    }
  });

  function ask(worker, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        resolve(event.data || {});
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function loadStyles() {
    if (!stylesUrl || document.querySelector("link[data-hb-app-css]")) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = stylesUrl;
    link.setAttribute("data-hb-app-css", "");
    document.head.appendChild(link);
  }

  function bar(name, role) {
    var el = document.querySelector("[data-hb-app-" + name + "]");
    if (!el) {
      loadStyles();
      el = document.createElement("div");
      el.className = "hb-app-bar hb-app-bar--" + name;
      el.setAttribute("data-hb-app-" + name, "");
      el.setAttribute("role", role);
      document.body.insertBefore(el, document.body.firstChild);
    }
    return el;
  }

  /* ------------------------------------------------------------------ offline status */

  function lastChecked() {
    try {
      return window.localStorage.getItem(CHECKED_KEY);
    } catch (error) {
      return null;
    }
  }

  function markChecked() {
    try {
      window.localStorage.setItem(CHECKED_KEY, new Date().toISOString());
    } catch (error) {
      /* storage blocked: the status then cannot say when */
    }
  }

  function showOffline(offline) {
    var existing = document.querySelector("[data-hb-app-offline]");
    if (!offline || !container.controller) {
      if (existing) existing.hidden = true;
      return;
    }
    var el = existing || bar("offline", "status");
    var when = lastChecked();
    var since = when
      ? new Date(when).toLocaleString(document.documentElement.lang || undefined, {
          dateStyle: "medium",
          timeStyle: "short",
        })
      : "this page was stored";
    el.textContent =
      "Offline: edition " + pageEdition + " (" + pageEditionDate + ") stored on this phone. " +
      "No check for a newer edition since " + since + ".";
    el.hidden = false;
  }

  function check(registration) {
    return registration.update().then(
      function () {
        markChecked();
        showOffline(!navigator.onLine);
      },
      function () {
        showOffline(true);
      }
    );
  }

  /* ------------------------------------------------------------------ a new edition */

  function offer(worker) {
    ask(worker, { type: "status" }).then(function (next) {
      // A recalled edition gives way at once: its notice blocks reading anyway.
      if (pageWithdrawn || next.withdrawn) {
        worker.postMessage({ type: "activate" });
        return;
      }
      var el = bar("update", "status");
      el.textContent = "";
      var text = document.createElement("span");
      text.textContent =
        (next.edition === pageEdition ? "An update of edition " : "Edition ") +
        next.edition + " (" + next.date + ") is available: ";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "hb-app-bar__button";
      button.textContent = "Reload";
      button.addEventListener("click", function () {
        button.disabled = true;
        worker.postMessage({ type: "activate" });
      });
      el.appendChild(text);
      el.appendChild(button);
    });
  }

  function watch(registration) {
    if (registration.waiting && container.controller) offer(registration.waiting);
    registration.addEventListener("updatefound", function () {
      var worker = registration.installing;
      if (!worker) return;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && container.controller) offer(worker);
      });
    });
  }

  /* ------------------------------------------------------------------ keep this topic */

  function mountKeep(controller) {
    ask(controller, { type: "status", page: location.href }).then(function (status) {
      var heading = document.querySelector("article h1");
      if (!status.keepable || !heading) return;
      loadStyles();
      var button = document.createElement("button");
      button.type = "button";
      button.className = "hb-app-keep";
      button.setAttribute("data-hb-app-keep", "");
      function show(kept) {
        button.setAttribute("aria-pressed", kept ? "true" : "false");
        button.textContent = kept ? "Kept offline on this phone" : "Keep this topic offline";
      }
      show(status.kept);
      button.addEventListener("click", function () {
        var wanted = button.getAttribute("aria-pressed") !== "true";
        ask(container.controller || controller, { type: "keep", page: location.href, keep: wanted }).then(function (now) {
          show(Boolean(now.kept));
        });
      });
      heading.parentNode.insertBefore(button, heading.nextSibling);
    });
  }

  /* ------------------------------------------------------------------ start, once usable */

  function start() {
    container
      .register(workerUrl, { updateViaCache: "none" })
      .then(function (registration) {
        watch(registration);
        if (container.controller) mountKeep(container.controller);
        // The first visit's page came from the network: once the app runs, store it too.
        else container.ready.then(function (ready) { if (ready.active) ask(ready.active, { type: "read", page: location.href }); });
        return check(registration);
      })
      .catch(function () {
        /* no app (storage refused, worker missing): the site works online as before */
      });
    window.addEventListener("online", function () {
      container.getRegistration().then(function (registration) {
        if (registration) check(registration);
      });
    });
    window.addEventListener("offline", function () {
      showOffline(true);
    });
  }

  // The app's work waits until the page is loaded, the reader has had a moment with it
  // and the browser is idle: storing an edition (downloading and hashing every file)
  // must not compete with the page being opened (Lighthouse, on a loaded 2-CPU machine,
  // scored pages lower when the app started at once).
  var START_AFTER_LOAD_MS = 3000;
  function whenIdle() {
    window.setTimeout(function () {
      if ("requestIdleCallback" in window) window.requestIdleCallback(start, { timeout: 2000 });
      else start();
    }, START_AFTER_LOAD_MS);
  }
  if (document.readyState === "complete") whenIdle();
  else window.addEventListener("load", whenIdle);
  if (!navigator.onLine) window.addEventListener("DOMContentLoaded", function () { showOffline(true); });
})();
