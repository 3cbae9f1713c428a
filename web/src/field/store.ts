// The provider's field store on the phone (IndexedDB, through the thin `idb` wrapper): the work logged and not yet
// answered by the server, each operation with the idempotency key it was given when logged, and the last copy of
// the provider's contracts, so that the app opens in a field with no network. It outlives reloads, a closed
// browser and a dead battery; logging out keeps the work not yet synced.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { Schemas } from '../api'

export type OperationFields = Schemas['OperationFields']
export type Contract = Schemas['Contract']
export type Operation = Schemas['Operation']
export type Problem = Schemas['Problem']

/**
 * Queued is one operation logged on the phone. Its key is its idempotency key: it is kept until the server has
 * answered the item (created, exists or refused), so a retry, a double tap or a sync cut in the middle never
 * doubles it. A refused item that is corrected is sent again under a new key (the old one created nothing).
 */
export interface Queued {
  key: string
  owner: string // the username that logged it; only its owner's session sends it
  contract_id: number
  contract_number: string
  fields: OperationFields
  state: 'pending' | 'refused' | 'synced'
  logged_at: string
  answered_at?: string
  operation_id?: number
  problem?: Partial<Problem>
}

/** Snapshot is the provider's active contracts and their operations as last fetched. */
export interface Snapshot {
  owner: string
  fetched_at: string
  contracts: Contract[]
  operations: Record<number, Operation[]>
  op_types: Schemas['ReferenceItem'][]
  /** the contracts' farms (personal data masked, as the API gives them to a provider) and parcels, by id */
  farms?: Record<number, { name: string; phone?: string | null }>
  parcels?: Record<number, { name?: string | null; code?: string | null; area_mu: string }>
}

interface FieldDB extends DBSchema {
  queue: { key: string; value: Queued; indexes: { owner: string } }
  snapshot: { key: string; value: Snapshot }
  meta: { key: string; value: { key: string; value: string } }
}

let opened: Promise<IDBPDatabase<FieldDB>> | null = null

export function db(): Promise<IDBPDatabase<FieldDB>> {
  opened ??= openDB<FieldDB>('tuoguan-field', 1, {
    upgrade(d) {
      const q = d.createObjectStore('queue', { keyPath: 'key' })
      q.createIndex('owner', 'owner')
      d.createObjectStore('snapshot', { keyPath: 'owner' })
      d.createObjectStore('meta', { keyPath: 'key' })
    },
  })
  return opened
}

/**
 * newKey is a fresh idempotency key made on the phone: a random UUID (crypto.randomUUID exists in secure contexts
 * only; elsewhere the same version-4 UUID is made from crypto.getRandomValues).
 */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export async function queued(owner: string): Promise<Queued[]> {
  const all = await (await db()).getAllFromIndex('queue', 'owner', owner)
  return all.sort((a, b) => a.logged_at.localeCompare(b.logged_at))
}

export async function put(items: Queued[]) {
  const tx = (await db()).transaction('queue', 'readwrite')
  await Promise.all([...items.map((i) => tx.store.put(i)), tx.done])
}

export async function remove(key: string) {
  await (await db()).delete('queue', key)
}

/** enqueue stores a newly logged operation under a fresh key, pending. */
export async function enqueue(owner: string, contract: Contract, fields: OperationFields): Promise<Queued> {
  const item: Queued = {
    key: newKey(),
    owner,
    contract_id: contract.id,
    contract_number: contract.number,
    fields,
    state: 'pending',
    logged_at: new Date().toISOString(),
  }
  await put([item])
  return item
}

/** forgetSynced drops answered, synced items older than two weeks: the server holds them. */
export async function forgetSynced(owner: string) {
  const cutoff = new Date(Date.now() - 14 * 86400_000).toISOString()
  for (const i of await queued(owner)) if (i.state === 'synced' && (i.answered_at ?? '') < cutoff) await remove(i.key)
}

export async function snapshot(owner: string): Promise<Snapshot | undefined> {
  return (await db()).get('snapshot', owner)
}

export async function keepSnapshot(s: Snapshot) {
  await (await db()).put('snapshot', s)
}

export async function getMeta(key: string): Promise<string> {
  return (await (await db()).get('meta', key))?.value ?? ''
}

export async function setMeta(key: string, value: string) {
  await (await db()).put('meta', { key, value })
}

/** forgetAllBut drops every copy of server data and answered items, keeping only work not yet synced. */
export async function forgetAnswered() {
  const d = await db()
  await d.clear('snapshot')
  await d.clear('meta')
  const tx = d.transaction('queue', 'readwrite')
  for (const i of await tx.store.getAll()) if (i.state === 'synced') await tx.store.delete(i.key)
  await tx.done
}

/** unsynced counts the work on the phone that the server has not taken (pending or refused), of every account. */
export async function unsynced(): Promise<number> {
  const all = await (await db()).getAll('queue')
  return all.filter((i) => i.state !== 'synced').length
}
