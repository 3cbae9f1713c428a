// Sync of the work logged on the phone: by itself when the network returns (the `online` event, the app's start,
// a minute's retry while work waits) and on demand. Pending items go through POST /operations/batch in chunks
// of at most 1,000, each under the key it was logged with; the server answers each item created, exists or
// refused. Only an answer changes an item: a cut connection leaves it pending with its key, and the next sync
// sends it again, so nothing is lost and nothing is doubled. One sync runs at a time, across tabs too.
import { reactive } from 'vue'
import { ApiError, allPages, api, call, me } from '../api'
import * as store from './store'
import type { Contract, Operation, Queued, Snapshot } from './store'

export const MaxBatch = 1000

export const field = reactive({
  items: [] as Queued[],
  snapshot: null as Snapshot | null,
  lastSync: '',
  syncing: false,
  loading: false,
  /** error is why the last sync or refresh did not reach the server: an ApiError, or null. */
  error: null as ApiError | null,
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
})

function owner(): string {
  return me.value?.username ?? ''
}

/** refresh reads the queue and the kept contracts from the phone into field. */
export async function refresh() {
  const o = owner()
  if (!o) return
  field.items = await store.queued(o)
  field.snapshot = (await store.snapshot(o)) ?? null
  field.lastSync = await store.getMeta('lastSync:' + o)
}

export function pending(): Queued[] {
  return field.items.filter((i) => i.state === 'pending')
}

/** log stores one operation on the phone, then tries to send it at once when online. */
export async function log(contract: Contract, fields: store.OperationFields): Promise<Queued> {
  const item = await store.enqueue(owner(), contract, fields)
  await refresh()
  if (navigator.onLine) void syncNow()
  return item
}

let running: Promise<void> | null = null

/** syncNow sends the pending work; a second call while one runs waits for it instead of starting another. */
export function syncNow(): Promise<void> {
  running ??= (async () => {
    field.syncing = true
    try {
      const locks = (navigator as Navigator & { locks?: LockManager }).locks
      if (locks) await locks.request('tuoguan-field-sync', () => sendPending())
      else await sendPending()
    } finally {
      field.syncing = false
      running = null
      await refresh()
    }
  })()
  return running
}

async function sendPending() {
  const o = owner()
  if (!o) return
  field.error = null
  let sent = false
  for (;;) {
    // Read again each round: another tab, or a correction, may have changed the queue.
    const todo = (await store.queued(o)).filter((i) => i.state === 'pending').slice(0, MaxBatch)
    if (todo.length === 0) break
    let results: Schemas['OperationBatchResult'][]
    try {
      const r = await call(
        api.POST('/operations/batch', {
          body: { operations: todo.map((i) => ({ ...i.fields, contract_id: i.contract_id, idempotency_key: i.key })) },
          // One bar of signal can stall a request for ever; given up, the items stay pending with their keys.
          signal: AbortSignal.timeout(120_000),
        }),
      )
      results = r.results
    } catch (e) {
      field.error = e instanceof ApiError ? e : new ApiError(0, null)
      break // the items keep their keys and stay pending
    }
    const now = new Date().toISOString()
    const answered: Queued[] = []
    for (const res of results) {
      const item = todo[res.index]
      if (!item) continue
      if (res.status === 'refused') {
        answered.push({ ...item, state: 'refused', answered_at: now, problem: res.error ?? {} })
      } else {
        answered.push({ ...item, state: 'synced', answered_at: now, operation_id: res.operation?.id, problem: undefined })
      }
    }
    await store.put(answered)
    sent = true
    if (answered.length < todo.length) break // an answer without every item: try the rest on the next sync
  }
  if (sent || !field.error) {
    field.lastSync = new Date().toISOString()
    await store.setMeta('lastSync:' + o, field.lastSync)
  }
  if (sent) void loadContracts() // the open areas changed
}

type Schemas = import('../api').Schemas

/** correct puts a refused item back in the queue with corrected fields and a new key: the old one created nothing. */
export async function correct(item: Queued, fields: store.OperationFields) {
  await store.remove(item.key)
  await store.put([{ ...item, key: store.newKey(), fields, state: 'pending', problem: undefined, answered_at: undefined }])
  await refresh()
  if (navigator.onLine) void syncNow()
}

/** discard drops a refused item from the phone. */
export async function discard(item: Queued) {
  await store.remove(item.key)
  await refresh()
}

/**
 * loadContracts fetches the provider's active contracts and their operations and keeps them on the phone; with
 * no network the kept copy stays, and field.error says why it could not be refreshed.
 */
let fetching: Promise<void> | null = null

export function loadContracts(): Promise<void> {
  fetching ??= fetchContracts().finally(() => (fetching = null))
  return fetching
}

async function fetchContracts() {
  const o = owner()
  if (!o) return
  field.loading = true
  try {
    // A hundred pages at most of either, whatever the server answers.
    const contracts = await allPages(
      (cursor) => call(api.GET('/contracts', { params: { query: { status: 'active', limit: 200, cursor } } })),
      100,
    )
    const operations: Record<number, Operation[]> = {}
    const types = call(api.GET('/reference/operation-types'))
    await Promise.all(
      contracts.map(async (c) => {
        operations[c.id] = await allPages(
          (cursor) => call(api.GET('/contracts/{id}/operations', { params: { path: { id: c.id }, query: { limit: 500, cursor } } })),
          100,
        )
      }),
    )
    const [farms, parcels] = await Promise.all([farmsOf(contracts), parcelsOf(contracts)])
    const s: Snapshot = { owner: o, fetched_at: new Date().toISOString(), contracts, operations, op_types: (await types).items, farms, parcels }
    await store.keepSnapshot(s)
    field.snapshot = s
  } catch (e) {
    field.error = e instanceof ApiError ? e : new ApiError(0, null)
  } finally {
    field.loading = false
  }
}

/** farmsOf names the contracts' farms, masked as the API gives them; a farm that cannot be read is left out. */
async function farmsOf(contracts: Contract[]) {
  const out: NonNullable<Snapshot['farms']> = {}
  await Promise.all(
    [...new Set(contracts.map((c) => c.farm_id))].map(async (id) => {
      try {
        const f = await call(api.GET('/farms/{id}', { params: { path: { id } } }))
        out[id] = { name: f.name, phone: f.phone }
      } catch {
        /* shown by its number */
      }
    }),
  )
  return out
}

/** parcelsOf names the contracts' parcels (without their boundaries: the phone does not need them). */
async function parcelsOf(contracts: Contract[]) {
  const out: NonNullable<Snapshot['parcels']> = {}
  await Promise.all(
    [...new Set(contracts.flatMap((c) => c.parcels.map((p) => p.parcel_id)))].map(async (id) => {
      try {
        const p = await call(api.GET('/parcels/{id}', { params: { path: { id } } }))
        out[id] = { name: p.name, code: p.code, area_mu: p.area_mu }
      } catch {
        /* shown by its number */
      }
    }),
  )
  return out
}

let started = false

/** start wires the automatic sync once: on `online`, at start, and every minute while work is pending. */
export function start() {
  if (started) return
  started = true
  // The service worker keeps the app's files so that it opens with no network once visited. Browsers allow it
  // only in a secure context (HTTPS, or localhost); the provider's screens say so when it is missing. Only the
  // provider's field app registers it: the other workspaces are used online.
  if ('serviceWorker' in navigator && window.isSecureContext) void navigator.serviceWorker.register('/sw.js').catch(() => {})
  window.addEventListener('online', () => {
    field.online = true
    void syncNow().then(loadContracts)
  })
  window.addEventListener('offline', () => (field.online = false))
  setInterval(() => {
    if (navigator.onLine && pending().length > 0 && !field.syncing) void syncNow()
  }, 60_000)
  void (async () => {
    await refresh()
    if (navigator.onLine) {
      await syncNow()
      await loadContracts()
    }
  })()
}
