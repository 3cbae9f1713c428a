// Every farm of the village, page by page: a village's roster can pass the 500 of one page.
import { allPages, api, call, type Schemas } from '../../api'

export function allFarms(): Promise<Schemas['Farm'][]> {
  return allPages((cursor) => call(api.GET('/farms', { params: { query: { limit: 500, sort: 'name', cursor } } })))
}
