/* ocopsite service worker: keeps the pages opened and the assets they use, so that they work
   without a connection. See templates/sw.js. */
"use strict";
var SCOPE = self.registration.scope;
var SITE = "ocopsite " + SCOPE + " ";
var CACHE = SITE + "f59710353d54be44";
var SHELL = ["offline.html", "manifest.webmanifest", "assets/style.f93c7693fe.css", "assets/site.283077a69d.js", "assets/icons.123be5596c.svg", "assets/icon.05981ff045.svg", "assets/illustrations.6e5279eb18.svg"];
var PAGES = {"en": ["en/", "en/search/", "assets/search.f840a8f35c.js"], "vi": ["vi/", "vi/tim-kiem/", "assets/search.f840a8f35c.js"]};
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

function offlineCopy(found) {
  var headers = new Headers(found.headers);
  headers.set("X-Ocopsite-Offline", "1");
  return found.blob().then(function (body) {
    return new Response(body, { status: found.status, statusText: found.statusText, headers: headers });
  });
}

function offline(cache) {
  return cache.match(SCOPE + "offline.html").then(function (page) {
    if (!page) return Response.error();
    return page.text().then(function (html) {
      html = html.replace(/ (href|src)="(?![a-z]+:|\/|#)/g, ' $1="' + new URL(SCOPE).pathname);
      return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "X-Ocopsite-Offline": "1" } });
    });
  });
}
