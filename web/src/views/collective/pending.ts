// The count of the village's recorded work awaiting checking, shown on the navigation and kept current by the
// confirmation queue.
import { ref } from 'vue'
import { api, call, me } from '../../api'

export const pending = ref<number | null>(null)

/** refreshPending counts the village's recorded operations (up to 500; more shows as 500+). */
export async function refreshPending(): Promise<void> {
  const id = me.value?.collective_id
  if (!id) return
  try {
    const p = await call(api.GET('/operations', { params: { query: { collective_id: id, status: 'recorded', limit: 500 } } }))
    pending.value = p.items.length
  } catch {
    pending.value = null
  }
}
