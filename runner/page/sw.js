// perfproof's service worker: keeps the app shell (the page, its wasm, js, css and
// icon) so the page opens and analyses reports offline once it has been loaded.
// On install it fetches the page and caches every asset the page links to (trunk
// names them with a content hash, so a new build brings new names). The page
// itself is fetched from the network first (a new build shows at once) and from
// the cache when offline; the assets are served from the cache. Any other request
// (a ?src= report on this server, say) goes to the network as if there were no
// worker, and is never cached.
const CACHE = "perfproof-shell-v1";
const scope = new URL(self.registration.scope);
const pageUrl = new URL("./", scope).href;

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(pageUrl, { cache: "no-cache" });
  if (!response.ok) throw new Error(`the page answered ${response.status}`);
  const html = await response.clone().text();
  const assets = new Set();
  for (const [, url] of html.matchAll(/(?:href|src)="([^"#]+)"/g)) {
    const absolute = new URL(url, pageUrl);
    if (absolute.origin === scope.origin) assets.add(absolute.href);
  }
  await cache.put(pageUrl, response);
  await cache.addAll([...assets]);
  return assets;
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== scope.origin) return;
  if (request.mode === "navigate") {
    // The page: the network's when there is one (and keep it), else the cached one.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && new URL(request.url).pathname === scope.pathname) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(pageUrl, copy));
          }
          return response;
        })
        .catch(() => caches.match(pageUrl)),
    );
    return;
  }
  event.respondWith(
    caches.match(request, { ignoreSearch: false }).then((cached) => cached ?? fetch(request)),
  );
});
