// Names on the provider's screens that must also work with no network: operation types come from the kept copy.
import { locale, nameOf, t } from '../../i18n'
import { field } from '../../field/sync'

export function opName(code: string): string {
  return nameOf(field.snapshot?.op_types?.find((o) => o.code === code), code)
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(locale.value, { dateStyle: 'short', timeStyle: 'short' })
}

/** parcelName names a parcel by its name and the end of its code, or by its number when the phone has neither. */
export function parcelName(id: number): string {
  const p = field.snapshot?.parcels?.[id]
  if (!p) return t('field.parcel', { id })
  return p.code ? `${p.name || t('field.parcel', { id })} ·${p.code.slice(-4)}` : p.name || t('field.parcel', { id })
}

/** farmName is the contract's farm as the API shows it to a provider: name and masked phone. */
export function farmName(id: number): string {
  const f = field.snapshot?.farms?.[id]
  if (!f) return ''
  return f.phone ? `${f.name} ${f.phone}` : f.name
}
