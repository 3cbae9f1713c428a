// What a contract leaves open, per parcel and operation type, and the checks of a logged operation that mirror the
// API's (docs/domain.md), so that most mistakes are caught on the phone; the API stays the judge. Areas are decimal
// strings with two places; the sums here are in hundredths, as integers, so nothing is rounded.
import type { Contract, Operation, OperationFields, Queued } from './store'

/** cents reads a decimal string with at most two places as hundredths; NaN when it is not one. */
export function cents(s: string | number | null | undefined): number {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(String(s ?? ''))
  if (!m) return NaN
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
}

/** decimal writes hundredths as a decimal string with two places. */
export function decimal(c: number): string {
  const neg = c < 0
  const a = Math.abs(c)
  return (neg ? '-' : '') + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0')
}

export interface Row {
  parcel_id: number
  op_type: string
  passes: number
  cap: number // contracted area of the parcel × passes, in hundredths
  logged: number // on the server, not voided
  queued: number // on the phone, not yet taken by the server
  open: number
}

/** rows lists, for each parcel and operation type of a contract, what it sells, what is logged and what is open. */
export function rows(c: Contract, ops: Operation[], queue: Queued[]): Row[] {
  const out: Row[] = []
  for (const s of c.services) {
    for (const p of c.parcels) {
      const cap = cents(p.area_mu) * s.passes
      const same = (x: { parcel_id: number; op_type: string }) => x.parcel_id === p.parcel_id && x.op_type === s.op_type
      const logged = ops.filter((o) => o.status !== 'voided' && same(o)).reduce((n, o) => n + cents(o.area_mu), 0)
      const queued = queue
        .filter((q) => q.contract_id === c.id && q.state === 'pending' && same(q.fields))
        .reduce((n, q) => n + cents(q.fields.area_mu), 0)
      out.push({ parcel_id: p.parcel_id, op_type: s.op_type, passes: s.passes, cap, logged, queued, open: cap - logged - queued })
    }
  }
  return out
}

/** today is the date in China, where the work is done. */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

/** defaultDate is today, or the contract's last day when it has ended. */
export function defaultDate(c: Contract): string {
  const d = today()
  return d > c.end_date ? c.end_date : d
}

export interface Problem {
  field: string
  code: string // a field error code of the API (errors.field.<code>) or of the field app (field.check.<code>)
}

/**
 * check returns what is wrong with an operation about to be logged on contract c, given the area open for its
 * parcel and operation type (in hundredths; the area of the item itself not counted when it is corrected).
 */
export function check(c: Contract, f: OperationFields, open: number | null): Problem[] {
  const out: Problem[] = []
  if (!c.parcels.some((p) => p.parcel_id === f.parcel_id)) out.push({ field: 'parcel_id', code: 'required' })
  if (!c.services.some((s) => s.op_type === f.op_type)) out.push({ field: 'op_type', code: 'required' })
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.op_date ?? '')) out.push({ field: 'op_date', code: 'required' })
  else if (f.op_date > today()) out.push({ field: 'op_date', code: 'future' })
  else if (f.op_date < c.start_date || f.op_date > c.end_date) out.push({ field: 'op_date', code: 'outside_contract' })
  const area = cents(f.area_mu)
  if (!f.area_mu) out.push({ field: 'area_mu', code: 'required' })
  else if (Number.isNaN(area)) out.push({ field: 'area_mu', code: 'format' })
  else if (area <= 0) out.push({ field: 'area_mu', code: 'range' })
  else if (open !== null && area > open) out.push({ field: 'area_mu', code: 'cap_exceeded' })
  if (f.op_type === 'harvesting') {
    if (!f.yield_kg) out.push({ field: 'yield_kg', code: 'required' })
    else if (Number.isNaN(cents(f.yield_kg))) out.push({ field: 'yield_kg', code: 'format' })
  } else if (f.yield_kg) out.push({ field: 'yield_kg', code: 'not_allowed' })
  if (f.moisture_pct && Number.isNaN(cents(f.moisture_pct))) out.push({ field: 'moisture_pct', code: 'format' })
  return out
}
