import { ref, shallowRef } from 'vue'
import { ApiError, errorText, fieldText } from './api'

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
        error.value = errorText(e)
        failure.value = e instanceof ApiError ? e : null
      }
    } finally {
      if (mine === generation) loading.value = false
    }
  }
  return { data, loading, error, failure, run }
}

/**
 * useSubmit runs a form's request: whether it runs, the refusal with its field errors, and why it failed in the
 * user's language. submit answers whether the request went through.
 */
export function useSubmit() {
  const busy = ref(false)
  const failed = shallowRef<ApiError | null>(null)
  const message = ref('')
  function reset() {
    failed.value = null
    message.value = ''
  }
  async function submit(fn: () => Promise<void>): Promise<boolean> {
    busy.value = true
    reset()
    try {
      await fn()
      return true
    } catch (e) {
      failed.value = e instanceof ApiError ? e : null
      message.value = errorText(e)
      return false
    } finally {
      busy.value = false
    }
  }
  /** err is the refusal of a field or of anything within it (business_models[1], boundary.coordinates), or ''. */
  function err(field: string): string {
    const fe = failed.value?.fieldErrors.find(
      (e) => e.field === field || e.field.startsWith(field + '.') || e.field.startsWith(field + '['),
    )
    return fe ? fieldText(fe) : ''
  }
  return { busy, failed, message, reset, submit, err }
}
