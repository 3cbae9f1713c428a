import { computed } from 'vue'
import { useRoute } from 'vue-router'
import { currentSeason } from './format'

/** useSeason reads the season and crop from the page's address (?season=2026&crop=corn). */
export function useSeason() {
  const route = useRoute()
  const season = computed(() => Number(route.query.season) || currentSeason())
  const crop = computed(() => (typeof route.query.crop === 'string' && route.query.crop ? route.query.crop : undefined))
  const query = computed(() => ({ season: String(season.value), ...(crop.value ? { crop: crop.value } : {}) }))
  return { season, crop, query }
}
