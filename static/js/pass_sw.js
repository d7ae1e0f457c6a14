/* The verify page's service worker: keeps the page, its script, the QR decoder and the public
   key (never a signing key) so that staff can check passes without a network. */
"use strict";
var CACHE = "islandos-verify-v1";
var SHELL = ["/passes/verify", "/passes/public-key.json", "/static/js/pass_verify.js",
  "/static/vendor/jsqr/jsQR.js", "/static/css/public.css", "/static/css/fees_staff.css"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});
self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || SHELL.indexOf(url.pathname) < 0) { return; }
  // Network first (fresh page and key when online), the cache when offline.
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(url.pathname);
  }));
});
