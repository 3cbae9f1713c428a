// Every text the user reads comes from zh-CN.json or en.json. Chinese is the default; a chosen language is
// remembered on the device.
import { ref, watch } from 'vue'
import zhCN from './zh-CN.json'
import en from './en.json'

export type Locale = 'zh-CN' | 'en'
const packs: Record<Locale, Record<string, unknown>> = { 'zh-CN': zhCN, en }
const storageKey = 'tuoguan.locale'

function initial(): Locale {
  const saved = localStorage.getItem(storageKey)
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN'
}

export const locale = ref<Locale>(initial())

function apply(l: Locale) {
  document.documentElement.lang = l
  document.title = t('app.title')
}

watch(
  locale,
  (l) => {
    localStorage.setItem(storageKey, l)
    apply(l)
  },
  { flush: 'sync' },
)

function lookup(pack: Record<string, unknown>, key: string): string | undefined {
  let v: unknown = pack
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return typeof v === 'string' ? v : undefined
}

/** has says whether the current language has a text for key. */
export function has(key: string): boolean {
  return lookup(packs[locale.value], key) !== undefined
}

/** t returns the text for key in the current language, with {name} placeholders filled from params. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const s = lookup(packs[locale.value], key) ?? lookup(packs['zh-CN'], key) ?? key
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m))
}

/** nameOf picks the name of a reference item (crop, operation type) in the current language. */
export function nameOf(item: { name_zh: string; name_en: string } | undefined, fallback: string): string {
  if (!item) return fallback
  return locale.value === 'en' ? item.name_en : item.name_zh
}

apply(locale.value)
