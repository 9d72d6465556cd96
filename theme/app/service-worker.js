/* The handbook's offline app: one edition at a time (issue 16).
 *
 * generator/offline_app.py writes this file into the site as service-worker.js,
 * preceded by its edition's data (self.HB_APP): edition name and date, withdrawn
 * reason, build hash, the hash of every file and the files to store at install.
 *
 * Rules:
 * - An edition lives in one cache named after its build hash. A page read from that
 *   cache gets its scripts, calculator programs and tables from the same cache only.
 * - Every file stored is checked against the hash the build recorded: a file of
 *   another edition (the server moved on) is never stored beside this one.
 * - Install downloads the edition whole; the new worker then waits until the reader
 *   accepts the banner (assets/javascripts/app.js). A recall (withdrawn edition) takes
 *   over at once, and so does any edition replacing a withdrawn one.
 * - Activation deletes this handbook's other caches.
 */
"use strict";

var APP = self.HB_APP;
var SCOPE = self.registration.scope; // the site root, ending with "/"
var SCOPE_PATH = new URL(SCOPE).pathname;
var PREFIX = "handbook|" + SCOPE + "|";
var CACHE = PREFIX + APP.build + (APP.withdrawn ? "|withdrawn" : "");
var STATE_CACHE = "handbook-state|" + SCOPE; // the reader's kept topics: outlives editions
var STATE_URL = SCOPE + "__handbook-app-state.json";
var SEARCH_INDEX = "search/search_index.json";
var VISITED_LIMIT = 60; // pages read, not kept, that stay stored (most recent first)
var PARALLEL = 6;
var KEPT_HEADERS = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"];

function keyOf(url) {
  var parsed = new URL(url);
  if (parsed.origin !== self.location.origin || parsed.pathname.indexOf(SCOPE_PATH) !== 0) return null;
  var key = parsed.pathname.slice(SCOPE_PATH.length);
  if (key === "index.html" || /\/index\.html$/.test(key)) key = key.slice(0, -"index.html".length);
  return key;
}

function isEditionFile(key) {
  return key !== null && Object.prototype.hasOwnProperty.call(APP.files, key);
}

async function hashOf(buffer) {
  var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  var hex = "";
  for (var i = 0; i < digest.length; i++) hex += (digest[i] < 16 ? "0" : "") + digest[i].toString(16);
  return hex;
}

/* The server's copy of a file, revalidated past the HTTP cache. `same` says whether it
 * is this edition's (its hash is the one the build recorded). Throws when offline. */
async function download(key) {
  var response = await fetch(SCOPE + key, { cache: "no-cache", credentials: "same-origin" });
  var body = await response.arrayBuffer();
  var headers = { "Content-Type": response.headers.get("Content-Type") || "application/octet-stream" };
  // The server's security headers stay with the file (the page's Content-Security-Policy
  // applies offline too); transfer headers do not (the body is stored decoded).
  KEPT_HEADERS.forEach(function (name) {
    var value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  });
  return {
    // The build records the first characters of each file's SHA-256 (offline_app.HASH_CHARS).
    same: response.ok && (await hashOf(body)).indexOf(APP.files[key]) === 0,
    response: new Response(body, { status: response.status, statusText: response.statusText, headers: headers }),
  };
}

async function store(cache, key) {
  var got = await download(key);
  if (!got.same) throw new Error("handbook app: " + key + " is not from build " + APP.build);
  await cache.put(SCOPE + key, got.response.clone());
  return got.response;
}

/* ------------------------------------------------------------------ reader's state */

async function readState() {
  var cache = await caches.open(STATE_CACHE);
  var hit = await cache.match(STATE_URL);
  var state = hit ? await hit.json() : {};
  return { kept: state.kept || [], visited: state.visited || [] };
}

var stateQueue = Promise.resolve();
function changeState(change) {
  // One change at a time: fetch events run concurrently between awaits.
  stateQueue = stateQueue.then(async function () {
    var state = await readState();
    var result = await change(state);
    var cache = await caches.open(STATE_CACHE);
    await cache.put(STATE_URL, new Response(JSON.stringify(state), { headers: { "Content-Type": "application/json" } }));
    return result;
  });
  return stateQueue;
}

function remember(key) {
  return changeState(async function (state) {
    state.visited = [key].concat(state.visited.filter(function (k) { return k !== key; }));
    var dropped = state.visited.splice(VISITED_LIMIT);
    var open = (await self.clients.matchAll()).map(function (client) { return keyOf(client.url); });
    var cache = await caches.open(CACHE);
    for (var i = 0; i < dropped.length; i++) {
      var old = dropped[i];
      if (state.kept.indexOf(old) < 0 && open.indexOf(old) < 0 && APP.precache.indexOf(old) < 0) await cache.delete(SCOPE + old);
    }
  });
}

/* ------------------------------------------------------------------ install and activate */

async function carriedOver() {
  // What the reader held in the edition this one replaces: visited and kept pages
  // and the search index once used, downloaded afresh from this edition.
  var state = await readState();
  var keys = state.kept.concat(state.visited);
  var names = await caches.keys();
  for (var i = 0; i < names.length; i++) {
    if (names[i].indexOf(PREFIX) === 0 && names[i] !== CACHE && (await (await caches.open(names[i])).match(SCOPE + SEARCH_INDEX))) {
      keys.push(SEARCH_INDEX);
      break;
    }
  }
  return keys;
}

async function installEdition() {
  var cache = await caches.open(CACHE);
  var wanted = APP.precache.concat(await carriedOver());
  var keys = wanted.filter(function (key, i) { return isEditionFile(key) && wanted.indexOf(key) === i; });
  for (var i = 0; i < keys.length; i += PARALLEL) {
    await Promise.all(
      keys.slice(i, i + PARALLEL).map(async function (key) {
        // A file stored by an interrupted install of this same build is already checked.
        if (!(await cache.match(SCOPE + key))) await store(cache, key);
      })
    );
  }
}

async function replacesWithdrawn() {
  var names = await caches.keys();
  return names.some(function (name) {
    return name.indexOf(PREFIX) === 0 && name !== CACHE && /\|withdrawn$/.test(name);
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    installEdition().then(async function () {
      if (APP.withdrawn || (await replacesWithdrawn())) await self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    (async function () {
      var names = await caches.keys();
      await Promise.all(
        names.filter(function (name) { return name.indexOf(PREFIX) === 0 && name !== CACHE; }).map(function (name) {
          return caches.delete(name);
        })
      );
      await self.clients.claim(); // the first visit's page too, so its search index is stored
    })()
  );
});

/* ------------------------------------------------------------------ fetch */

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return "&#" + c.charCodeAt(0) + ";";
  });
}

function notStoredPage() {
  var html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    "<title>Not stored on this phone</title></head><body>" +
    "<h1>Not stored on this phone</h1>" +
    "<p>The phone is offline and this page of edition " + escapeHtml(APP.edition) + " (" + escapeHtml(APP.date) +
    ") has not been read on it. Pages you read, and topics you keep offline, are stored.</p>" +
    '<p><a href="' + escapeHtml(SCOPE) + '">Home page</a></p></body></html>';
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function page(request, key) {
  var cache = await caches.open(CACHE);
  if (isEditionFile(key)) {
    var hit = await cache.match(SCOPE + key);
    if (hit) return hit;
    var got;
    try {
      got = await download(key);
    } catch (offline) {
      return offlinePage(cache);
    }
    if (got.same) {
      try {
        await cache.put(SCOPE + key, got.response.clone());
        await remember(key);
      } catch (storageFull) {
        /* shown, not stored: the phone refused the space */
      }
      return got.response;
    }
  }
  // Not of this edition (the server has moved on, or sends a login page): the page as
  // the server sends it, and its files from the server too (servedHere is false for it).
  try {
    return await fetch(request);
  } catch (offline) {
    return offlinePage(cache);
  }
}

async function offlinePage(cache) {
  // A recalled edition answers with its home page, which carries the recall notice.
  if (APP.withdrawn) return (await cache.match(SCOPE)) || notStoredPage();
  return notStoredPage();
}

/* Was the page (or worker) asking for a file read from this edition's cache? */
async function servedHere(cache, clientId) {
  var client = clientId ? await self.clients.get(clientId) : null;
  if (!client) return true;
  var key = keyOf(client.url);
  return isEditionFile(key) && Boolean(await cache.match(SCOPE + key));
}

async function pageFile(request, key, clientId) {
  var cache = await caches.open(CACHE);
  if (!(await servedHere(cache, clientId))) return fetch(request.url, { cache: "no-cache", credentials: "same-origin" });
  var hit = await cache.match(SCOPE + key);
  if (hit) return hit;
  try {
    return await store(cache, key); // e.g. the search index, stored at its first use
  } catch (error) {
    // Offline, or the server has another edition: never mix its file into this page.
    return Response.error();
  }
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var key = keyOf(request.url);
  if (key === null) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, key));
  } else if (isEditionFile(key)) {
    event.respondWith(pageFile(request, key, event.clientId));
  }
  // Anything else (the PDF, the sitemap) is not part of an edition: the network as usual.
});

/* ------------------------------------------------------------------ messages from pages */

async function status(pageUrl) {
  var key = pageUrl ? keyOf(pageUrl) : null;
  var state = await readState();
  return {
    edition: APP.edition,
    date: APP.date,
    build: APP.build,
    withdrawn: APP.withdrawn,
    whole_site: APP.whole_site,
    keepable: !APP.whole_site && isEditionFile(key) && key.indexOf(APP.topics) === 0,
    kept: state.kept.indexOf(key) >= 0,
  };
}

/* A page read before this worker controlled it (the first visit): store it as read. */
async function read(pageUrl) {
  var key = keyOf(pageUrl);
  var cache = await caches.open(CACHE);
  if (isEditionFile(key) && !(await cache.match(SCOPE + key))) {
    await store(cache, key);
    await remember(key);
  }
  return status(pageUrl);
}

async function keep(pageUrl, wanted) {
  var key = keyOf(pageUrl);
  if (!isEditionFile(key)) return status(pageUrl);
  var cache = await caches.open(CACHE);
  if (wanted && !(await cache.match(SCOPE + key))) await store(cache, key);
  await changeState(function (state) {
    state.kept = state.kept.filter(function (k) { return k !== key; });
    if (wanted) state.kept.push(key);
  });
  return status(pageUrl);
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type === "activate") {
    event.waitUntil(self.skipWaiting());
    return;
  }
  var answer =
    data.type === "keep" ? keep(data.page, Boolean(data.keep)) : data.type === "read" ? read(data.page) : status(data.page);
  event.waitUntil(
    answer.then(
      function (result) { if (port) port.postMessage(result); },
      function (error) { if (port) port.postMessage({ error: String(error) }); }
    )
  );
});
