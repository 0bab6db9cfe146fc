{#- The service worker, written to the root of the site (sw.js, never fingerprinted) so that its
    scope is the whole site wherever it is hosted; templates/assets/site.js registers it. A tourist
    who browsed the catalogue with a connection can open those pages, and search them, without one.

    - When it installs, it saves only the assets every page uses and offline.html.
    - site.js then asks it to save the home and search pages of the language being read, and
      only when the browser does not ask to save data (navigator.connection).
    - Pages, and every other file, come from the network first, so that they are always fresh
      online; each is saved as it arrives. Without a connection the saved copy is given, marked
      with the header X-Ocopsite-Offline (search.js then searches only the pages saved), and for
      a page never opened, offline.html.
    - Fingerprinted assets and photos come from the cache first: their address changes with
      their bytes.
    - The cache is named after the site's address and the build's version (``build``: a digest
      of every page and file), so that a new build changes this file; the browser then installs
      the new worker, which takes over at once and deletes the caches of other builds of this
      site, never those of another site on the same host. -#}
{%- set saved = namespace(shell=['offline.html', 'manifest.webmanifest']) -%}
{%- for name in ('style.css', 'site.js', 'icons.svg', 'icon.svg', 'illustrations.svg') -%}
{%- set saved.shell = saved.shell + [asset(name)] -%}
{%- endfor -%}
{%- set pages = namespace(of={}) -%}
{%- for l in languages -%}
{%- set _ = pages.of.update({l.code: [link(page_url(l.code, 'home')), link(page_url(l.code, 'search')), asset('search.js')]}) -%}
{%- endfor -%}
/* ocopsite service worker: keeps the pages opened and the assets they use, so that they work
   without a connection. See templates/sw.js. */
"use strict";
var SCOPE = self.registration.scope;
var SITE = "ocopsite " + SCOPE + " ";
var CACHE = SITE + {{ version | tojson }};
var SHELL = {{ saved.shell | tojson }};
var PAGES = {{ pages.of | tojson }};
var FIXED = /^(assets|media)\//;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(SITE) === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

{# A page read in a language, where saving data is allowed (site.js tells): its home and search. #}
self.addEventListener("message", function (event) {
  var wanted = PAGES[event.data && event.data.save];
  if (wanted) event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(wanted.map(function (url) {
      return cache.match(url).then(function (found) { return found || cache.add(url).catch(function () {}); });
    }));
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(SCOPE) !== 0) return;
  var path = request.url.slice(SCOPE.length).split(/[?#]/)[0];
  event.respondWith(FIXED.test(path) ? cacheFirst(event, path) : networkFirst(event, path));
});

function cacheFirst(event, path) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(SCOPE + path).then(function (found) {
      return found || fetch(event.request).then(function (response) { return keep(event, path, response); });
    });
  });
}

{# The query of an address (a search) is left out of the saved one. #}
function networkFirst(event, path) {
  return fetch(event.request).then(function (response) { return keep(event, path, response); }, function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(SCOPE + path).then(function (found) {
        if (found) return offlineCopy(found);
        return event.request.mode === "navigate" ? offline(cache) : Response.error();
      });
    });
  });
}

function keep(event, path, response) {
  if (response.ok && response.type === "basic") {
    var copy = response.clone();
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(SCOPE + path, copy); }));
  }
  return response;
}

{# A saved copy, marked as such: whoever asked knows there is no connection. #}
function offlineCopy(found) {
  var headers = new Headers(found.headers);
  headers.set("X-Ocopsite-Offline", "1");
  return found.blob().then(function (body) {
    return new Response(body, { status: found.status, statusText: found.statusText, headers: headers });
  });
}

{# offline.html at the address asked for: its links, written from the root, made absolute. #}
function offline(cache) {
  return cache.match(SCOPE + "offline.html").then(function (page) {
    if (!page) return Response.error();
    return page.text().then(function (html) {
      html = html.replace(/ (href|src)="(?![a-z]+:|\/|#)/g, ' $1="' + new URL(SCOPE).pathname);
      return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "X-Ocopsite-Offline": "1" } });
    });
  });
}
