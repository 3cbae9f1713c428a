// Money and areas arrive as exact decimal strings and stay strings: these only arrange them for reading.

/** grouped adds thousands separators to a decimal string ("32277.18" → "32,277.18"); null or absent → "—". */
export function grouped(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '—'
  const neg = s.startsWith('-')
  const [int, frac] = (neg ? s.slice(1) : s).split('.')
  const g = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return (neg ? '−' : '') + g + (frac !== undefined ? '.' + frac : '')
}

/** count formats an integer count with separators. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : grouped(String(n))
}

/** plotted turns a decimal string into a number for a chart's geometry only; the labels show the string. */
export function plotted(s: string | null | undefined): number {
  return s ? Number(s) : 0
}

/** seasons lists the season years a bureau picks from: next year's, this year's and four before. */
export function seasons(): number[] {
  const y = Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'Asia/Shanghai' }).format(new Date()))
  return [y + 1, y, y - 1, y - 2, y - 3, y - 4]
}

/** currentSeason is this year in China. */
export function currentSeason(): number {
  return seasons()[1]
}

/** townshipOf is the township of a village's 12-digit statistical division code (county 6, township 3, village 3). */
export function townshipOf(village: string): string {
  return village.slice(0, 9) + '000'
}
