// Names on the provider's screens that must also work with no network: operation types come from the kept copy.
import { locale, nameOf } from '../../i18n'
import { field } from '../../field/sync'

export function opName(code: string): string {
  return nameOf(field.snapshot?.op_types?.find((o) => o.code === code), code)
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(locale.value, { dateStyle: 'short', timeStyle: 'short' })
}
