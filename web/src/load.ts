import { ref, shallowRef } from 'vue'
import { ApiError } from './api'
import { t } from './i18n'

/** useLoad runs a screen's loading function, keeping what it answered, whether it runs and why it failed. */
export function useLoad<T>(fn: () => Promise<T>) {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = ref('')
  const failure = shallowRef<ApiError | null>(null)
  let generation = 0
  async function run() {
    const mine = ++generation
    loading.value = true
    error.value = ''
    failure.value = null
    try {
      const d = await fn()
      if (mine === generation) data.value = d
    } catch (e) {
      if (mine === generation) {
        error.value = e instanceof ApiError ? e.text : t('errors.unexpected')
        failure.value = e instanceof ApiError ? e : null
      }
    } finally {
      if (mine === generation) loading.value = false
    }
  }
  return { data, loading, error, failure, run }
}
