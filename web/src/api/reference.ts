// Crops and operation types, loaded once per visit, named in the user's language.
import { ref } from 'vue'
import { api, call, type Schemas } from './index'
import { nameOf } from '../i18n'

type Item = Schemas['ReferenceItem']
const crops = ref<Item[]>([])
const opTypes = ref<Item[]>([])
let loading: Promise<void> | null = null

export function loadReference(): Promise<void> {
  loading ??= Promise.all([call(api.GET('/reference/crops')), call(api.GET('/reference/operation-types'))])
    .then(([c, o]) => {
      crops.value = c.items
      opTypes.value = o.items
    })
    .catch((e) => {
      loading = null
      throw e
    })
  return loading
}

export function useReference() {
  return {
    crops,
    opTypes,
    cropName: (code: string) => nameOf(crops.value.find((c) => c.code === code), code),
    opTypeName: (code: string) => nameOf(opTypes.value.find((c) => c.code === code), code),
  }
}

const regionNames = new Map<string, Promise<string>>()

/** regionName answers a region's name, asked once per visit. */
export function regionName(code: string): Promise<string> {
  let p = regionNames.get(code)
  if (!p) {
    p = call(api.GET('/regions/{code}', { params: { path: { code } } })).then((r) => r.name)
    p.catch(() => regionNames.delete(code))
    regionNames.set(code, p)
  }
  return p
}
