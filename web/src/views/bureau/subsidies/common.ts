// What the subsidy screens share: the season in the address, the county, provider names, times and exact sums.
import { computed, ref } from 'vue'
import { allPages, api, call, me } from '../../../api'
import { locale } from '../../../i18n'
import { useSeason } from '../../../season'

/** useSubsidySeason keeps the season in the page's address (?season=2026). */
export function useSubsidySeason() {
  const { season } = useSeason()
  const county = computed(() => me.value?.region_code ?? '')
  return { season, county }
}

const names = ref(new Map<number, string>())
let loading: Promise<void> | null = null

/** loadProviders loads the directory's names once per visit (every page of it). */
export function loadProviders(): Promise<void> {
  loading ??= allPages((cursor) => call(api.GET('/providers', { params: { query: { sort: 'name', limit: 500, cursor } } })))
    .then((items) => {
      names.value = new Map(items.map((x) => [x.id, x.name]))
    })
    .catch((e) => {
      loading = null
      throw e
    })
  return loading
}

export function useProviders() {
  return { names, providerName: (id: number) => names.value.get(id) ?? `#${id}` }
}

/** dateTime shows a moment in Beijing time, in the user's language; none is "—". */
export function dateTime(v: string | null): string {
  return v ? new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' }).format(new Date(v)) : '—'
}

/** fen reads a decimal string of at most two places as whole fen, exactly. */
function fen(s: string | null | undefined): bigint {
  if (!s) return 0n
  const neg = s.startsWith('-')
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.')
  const v = BigInt(i || '0') * 100n + BigInt((f + '00').slice(0, 2))
  return neg ? -v : v
}

function decimal(v: bigint): string {
  const neg = v < 0n
  const a = neg ? -v : v
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`
}

/** sum adds decimal strings exactly and answers a decimal string of two places. */
export function sum(xs: (string | null | undefined)[]): string {
  return decimal(xs.reduce((a, x) => a + fen(x), 0n))
}

/** share is part / whole × 100, rounded half up to two places, exactly; null when the whole is zero. */
export function share(part: string, whole: string): string | null {
  const p = fen(part)
  const w = fen(whole)
  if (w === 0n) return null
  return decimal((p * 20000n + w) / (2n * w))
}

/** under tells whether a percentage falls short of a minimum. */
export function under(pct: string | null | undefined, min: string | null | undefined): boolean {
  return pct !== null && pct !== undefined && min !== null && min !== undefined && fen(pct) < fen(min)
}
