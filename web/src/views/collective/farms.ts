// Every farm of the village, page by page: a village's roster can pass the 500 of one page.
import { api, call, type Schemas } from '../../api'

export async function allFarms(): Promise<Schemas['Farm'][]> {
  const out: Schemas['Farm'][] = []
  let cursor: string | undefined
  do {
    const p = await call(api.GET('/farms', { params: { query: { limit: 500, sort: 'name', cursor } } }))
    out.push(...p.items)
    cursor = p.next_cursor ?? undefined
  } while (cursor)
  return out
}
