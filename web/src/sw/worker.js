// The app's service worker, written by hand (vite.config.ts fills in the list of files and the version at build
// time). It keeps the app's own files so that the provider's field app opens with no network once visited:
// - the page (any navigation): from the network, falling back to the kept copy when there is none or it is slow;
// - /assets/ (hashed, never changing): from the cache, else fetched once and kept;
// - the API is never touched: the app keeps its data in IndexedDB and decides itself what to do offline.
/* global self, caches, fetch, URL, Response */
const VERSION = '__VERSION__'
const FILES = __FILES__
const CACHE = 'tuoguan-app-' + VERSION
const SERVER_PAGES = ['/healthz', '/readyz', '/metrics']

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(['/', ...FILES]))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tuoguan-app-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))
}

async function page(request) {
  try {
    const res = await Promise.race([fetch(request), timeout(6000)])
    if (res.ok && (res.headers.get('Content-Type') || '').startsWith('text/html')) {
      const c = await caches.open(CACHE)
      await c.put('/', res.clone())
    }
    return res
  } catch {
    const kept = await caches.match('/', { cacheName: CACHE })
    return kept || Response.error()
  }
}

async function asset(request) {
  const kept = await caches.match(request, { cacheName: CACHE })
  if (kept) return kept
  const res = await fetch(request)
  if (res.ok) {
    const c = await caches.open(CACHE)
    await c.put(request, res.clone())
  }
  return res
}

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/docs')) return
  // The app's own pages have no extension (/provider/log); /openapi.yaml, /healthz and the like go to the server.
  if (req.mode === 'navigate' && !/\.[a-z]+$/i.test(url.pathname) && !SERVER_PAGES.includes(url.pathname)) {
    event.respondWith(page(req))
    return
  }
  if (url.pathname.startsWith('/assets/') || FILES.includes(url.pathname)) event.respondWith(asset(req))
})
