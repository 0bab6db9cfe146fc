/* ocopsite service worker: keeps the site's shell, the pages opened and the search files of the
   languages read, so that they work without a connection. See templates/sw.js. */
"use strict";
var SCOPE = self.registration.scope;
var SITE = "ocopsite " + SCOPE + " ";
var CACHE = SITE + "4b18d04cbfa2";
var SHELL = ["./", "manifest.webmanifest", "offline.html", "assets/style.09c98d51a4.css", "assets/site.148187968c.js", "assets/search.fe91f41184.js", "assets/icons.b9a61f1260.svg", "assets/icon.05981ff045.svg", "vi/", "vi/tim-kiem/", "en/", "en/search/"];
var LANGS = ["vi", "en"];
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

function networkFirst(event, path) {
  return fetch(event.request).then(function (response) { return keep(event, path, response); }, function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(SCOPE + path, ANY).then(function (found) {
        return found || (event.request.mode === "navigate" ? offline(cache) : Response.error());
      });
    });
  });
}

function keep(event, path, response) {
  if (response.ok && response.type === "basic" && path.indexOf("pagefind/fragment/") !== 0) {
    var copy = response.clone();
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return cache.put(SCOPE + path, copy).then(function () { return fragment(cache, path); });
    }));
  }
  return response;
}

function fragment(cache, path) {
  var lang = path.split("/")[0];
  if (LANGS.indexOf(lang) < 0) return null;
  return search(lang).then(function (pages) { return pages[path] && save(cache, "pagefind/" + pages[path]); });
}

function save(cache, url) {
  return cache.match(url, ANY).then(function (found) { return found || cache.add(url).catch(function () {}); });
}

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

function offline(cache) {
  return cache.match("offline.html").then(function (page) {
    if (!page) return Response.error();
    return page.text().then(function (html) {
      html = html.replace(/ (href|src)="(?![a-z]+:|\/|#)/g, ' $1="' + new URL(SCOPE).pathname);
      return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}
