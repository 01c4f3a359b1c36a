// The phone scanner's service worker: it keeps the app (the shell page, its scripts, styles, words and
// the barcode reader) so that /scan/ opens without a network, and sends the queued scans when the
// browser says the network is back (Background Sync), also after the app's tab was closed.
// The server fills in VERSION (changing whenever any kept file changes) and ASSETS.

import { syncQueue } from "/scan/assets/sync.js";

const VERSION = "{{ version }}";
const ASSETS = {{ assets }};
const CACHE = `suyuan-scanner-${VERSION}`;
const SHELL = "/scan/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // A redirect (the shell sends a member without a session to sign in) fails the install: the
      // sign-in page must never be kept as the app. The worker installs on a signed-in visit.
      .then((cache) => cache.addAll(ASSETS.map((url) => new Request(url, { cache: "reload", redirect: "error" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("suyuan-scanner-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// Pages: from the network (the server knows whether the member is signed in), else the kept shell.
async function page(request) {
  try {
    const answer = await fetch(request);
    if (answer.ok && !answer.redirected && new URL(request.url).pathname === SHELL) {
      const cache = await caches.open(CACHE);
      await cache.put(SHELL, answer.clone());
    }
    return answer;
  } catch {
    return (await caches.match(SHELL)) || Response.error();
  }
}

// Assets: the kept copy (the cache is renewed with every new version), else the network.
async function asset(request) {
  return (await caches.match(request, { ignoreSearch: true })) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/scan/") || url.pathname.startsWith("/scan/api/")) return;
  event.respondWith(event.request.mode === "navigate" ? page(event.request) : asset(event.request));
});

async function syncAndTell() {
  const result = await syncQueue();
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "queue-changed", outcome: result.outcome });
  }
  // A sync that could not finish is tried again by the browser later.
  if (result.outcome === "offline" || result.outcome === "unavailable") throw new Error(result.outcome);
}

self.addEventListener("sync", (event) => {
  if (event.tag === "suyuan-scans") event.waitUntil(syncAndTell());
});
