import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { Schemas } from './api'
import { currentSeason } from './format'

type Crop = Schemas['CropCode']

/** useSeason reads the season and crop from the page's address (?season=2026&crop=corn); a season set goes there. */
export function useSeason() {
  const route = useRoute()
  const router = useRouter()
  const season = computed({
    get: () => Number(route.query.season) || currentSeason(),
    set: (v: number) => void router.replace({ query: { ...route.query, season: String(v) } }),
  })
  // A crop the address names is the server's to refuse (400, shown as the screen's error), not ours to guess.
  const crop = computed(() =>
    typeof route.query.crop === 'string' && route.query.crop ? (route.query.crop as Crop) : undefined,
  )
  const query = computed(() => ({ season: String(season.value), ...(crop.value ? { crop: crop.value } : {}) }))
  return { season, crop, query }
}
