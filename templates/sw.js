{#- The service worker, written to the root of the site (sw.js, never fingerprinted) so that its
    scope is the whole site wherever it is hosted; templates/assets/site.js registers it. A tourist
    who browsed the catalogue with a connection can open those pages, and search them, without one.

    - The shell is saved when the worker installs: the assets, the home and search pages of every
      language, the language choice at the root, the manifest and offline.html (a few tens of KB).
    - Pages (HTML and everything else without a fingerprint) come from the network first, so that
      they are always fresh online, and each one is saved as it arrives; without a connection the
      saved copy is shown, and for a page never opened, offline.html.
    - Files whose address changes with their bytes (fingerprinted assets and photos, Pagefind's
      metadata, index chunks and fragments) come from the cache first: they never change.
    - Search: the first page read in a language makes the worker save that language's search files
      (pagefind/offline.<lang>.json lists them: Pagefind's code, WebAssembly, metadata, index and
      filter chunks; about 400 KB per language at 3,000 products, 2 MB at 18,000), and with each
      product page saved, its result fragment. Only the languages read are downloaded, once per
      build, and all fragments (8 MB per language at 18,000 products) never are: offline, search
      finds the pages that were opened.
    - The cache is named after the site's address and the build version, a digest of what the
      pages are made from (every text under content/, site.yaml, the UI strings, the templates and
      assets, the day, which certificate statuses follow), so that a new build changes this file;
      the browser then installs the new worker, which takes over at once and deletes the caches of
      other builds of this site, never those of another site on the same host. A photo replaced
      by another under the same file name keeps the version: pages are fresh online anyway, and a
      saved copy is replaced the next time it is opened with a connection.
    - Under `ocopsite serve`, pages come from the network first, so that every edit shows at once.
-#}
{%- set saved = namespace(shell=['./', 'manifest.webmanifest', 'offline.html']) -%}
{%- for name in ('style.css', 'site.js', 'search.js', 'icons.svg', 'icon.svg') -%}
{%- set saved.shell = saved.shell + [asset(name)] -%}
{%- endfor -%}
{%- for l in languages -%}
{%- set saved.shell = saved.shell + [link(page_url(l.code, 'home')), link(page_url(l.code, 'search'))] -%}
{%- endfor -%}
{%- set shell = saved.shell -%}
/* ocopsite service worker: keeps the site's shell, the pages opened and the search files of the
   languages read, so that they work without a connection. See templates/sw.js. */
"use strict";
var SCOPE = self.registration.scope;
var SITE = "ocopsite " + SCOPE + " ";
var CACHE = SITE + {{ version | tojson }};
var SHELL = {{ shell | tojson }};
var LANGS = {{ languages | map(attribute='code') | list | tojson }};
var FIXED = /^(assets|media)\/|^pagefind\/(index|filter|fragment)\/|\.pf_meta$/;
var ANY = { ignoreVary: true };
var searches = {};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) { return new Request(url, { cache: "no-cache" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(SITE) === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

{# A page read in a language (site.js tells): save that language's search files. #}
self.addEventListener("message", function (event) {
  if (LANGS.indexOf(event.data && event.data.search) >= 0) event.waitUntil(search(event.data.search));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(SCOPE) !== 0) return;
  var path = request.url.slice(SCOPE.length).split(/[?#]/)[0];
  event.respondWith(FIXED.test(path) ? cacheFirst(event, path) : networkFirst(event, path));
});

function cacheFirst(event, path) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(SCOPE + path, ANY).then(function (found) {
      return found || fetch(event.request).then(function (response) { return keep(event, path, response); });
    });
  });
}

{# The query (a search, Pagefind's ?ts=) is left out of the saved address. #}
function networkFirst(event, path) {
  return fetch(event.request).then(function (response) { return keep(event, path, response); }, function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(SCOPE + path, ANY).then(function (found) {
        return found || (event.request.mode === "navigate" ? offline(cache) : Response.error());
      });
    });
  });
}

{# Search result fragments are saved only with their page (see fragment), so that offline,
   search shows the pages that can be opened. #}
function keep(event, path, response) {
  if (response.ok && response.type === "basic" && path.indexOf("pagefind/fragment/") !== 0) {
    var copy = response.clone();
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return cache.put(SCOPE + path, copy).then(function () { return fragment(cache, path); });
    }));
  }
  return response;
}

{# The search result of a saved page, so that search finds it offline. #}
function fragment(cache, path) {
  var lang = path.split("/")[0];
  if (LANGS.indexOf(lang) < 0) return null;
  return search(lang).then(function (pages) { return pages[path] && save(cache, "pagefind/" + pages[path]); });
}

function save(cache, url) {
  return cache.match(url, ANY).then(function (found) { return found || cache.add(url).catch(function () {}); });
}

{# One language's search files, once per worker; then the fragments of pages already saved. #}
function search(lang) {
  if (!searches[lang]) {
    searches[lang] = caches.open(CACHE).then(function (cache) {
      return fetch("pagefind/offline." + lang + ".json", { cache: "no-cache" }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }).then(function (list) {
        return Promise.all(list.files.map(function (file) { return save(cache, "pagefind/" + file); }))
          .then(function () { return cache.keys(); })
          .then(function (saved) {
            return Promise.all(saved.map(function (request) {
              var page = list.pages[request.url.slice(SCOPE.length)];
              return page && save(cache, "pagefind/" + page);
            }));
          }).then(function () { return list.pages; });
      });
    }).catch(function () {
      delete searches[lang];
      return {};
    });
  }
  return searches[lang];
}

{# offline.html at the address asked for: its links, written from the root, made absolute. #}
function offline(cache) {
  return cache.match("offline.html").then(function (page) {
    if (!page) return Response.error();
    return page.text().then(function (html) {
      html = html.replace(/ (href|src)="(?![a-z]+:|\/|#)/g, ' $1="' + new URL(SCOPE).pathname);
      return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}
