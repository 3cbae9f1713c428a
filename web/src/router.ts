import { createRouter, createWebHistory } from 'vue-router'
import { me, restore, whenSessionEnds } from './api'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    role?: 'admin' | 'bureau' | 'collective' | 'provider'
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/Login.vue'), meta: { public: true } },
    { path: '/', component: () => import('./views/Home.vue') },
    { path: '/bureau', component: () => import('./views/bureau/Glance.vue'), meta: { role: 'bureau' } },
    {
      path: '/bureau/townships/:township',
      component: () => import('./views/bureau/Township.vue'),
      meta: { role: 'bureau' },
    },
    {
      path: '/bureau/townships/:township/collectives/:collective',
      component: () => import('./views/bureau/Village.vue'),
      meta: { role: 'bureau' },
    },
    {
      path: '/bureau/townships/:township/collectives/:collective/contracts/:contract',
      component: () => import('./views/bureau/Contract.vue'),
      meta: { role: 'bureau' },
    },
    { path: '/bureau/providers', component: () => import('./views/bureau/Providers.vue'), meta: { role: 'bureau' } },
    { path: '/bureau/subsidies', component: () => import('./views/bureau/subsidies/Glance.vue'), meta: { role: 'bureau' } },
    { path: '/bureau/subsidies/settlements/:id', component: () => import('./views/bureau/subsidies/Settlement.vue'), meta: { role: 'bureau' } },
    { path: '/bureau/subsidies/policy', component: () => import('./views/bureau/subsidies/Policy.vue'), meta: { role: 'bureau' } },
    { path: '/bureau/subsidies/samples', component: () => import('./views/bureau/subsidies/Samples.vue'), meta: { role: 'bureau' } },
    { path: '/bureau/subsidies/samples/:id', component: () => import('./views/bureau/subsidies/Sample.vue'), meta: { role: 'bureau' } },
    { path: '/collective', component: () => import('./views/collective/Queue.vue'), meta: { role: 'collective' } },
    { path: '/collective/farms', component: () => import('./views/collective/Farms.vue'), meta: { role: 'collective' } },
    { path: '/collective/parcels', component: () => import('./views/collective/Parcels.vue'), meta: { role: 'collective' } },
    { path: '/collective/contracts', component: () => import('./views/collective/Contracts.vue'), meta: { role: 'collective' } },
    {
      path: '/collective/contracts/new',
      component: () => import('./views/collective/ContractEdit.vue'),
      meta: { role: 'collective' },
    },
    {
      path: '/collective/contracts/:id(\\d+)',
      component: () => import('./views/collective/ContractEdit.vue'),
      meta: { role: 'collective' },
    },
    { path: '/collective/figures', component: () => import('./views/bureau/Village.vue'), meta: { role: 'collective' } },
    { path: '/collective/import', component: () => import('./views/collective/Import.vue'), meta: { role: 'collective' } },
    { path: '/provider', component: () => import('./views/provider/Contracts.vue'), meta: { role: 'provider' } },
    { path: '/provider/log', component: () => import('./views/provider/Log.vue'), meta: { role: 'provider' } },
    { path: '/provider/work', component: () => import('./views/provider/Work.vue'), meta: { role: 'provider' } },
    { path: '/:rest(.*)*', component: () => import('./views/NotFound.vue'), meta: { public: true } },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  let ok = false
  try {
    ok = await restore()
  } catch {
    ok = false
  }
  if (!ok) return { path: '/login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  if (to.meta.role && me.value?.role !== to.meta.role) return '/'
  if (to.path === '/' && me.value?.role === 'bureau') return '/bureau'
  if (to.path === '/' && me.value?.role === 'collective') return '/collective'
  if (to.path === '/' && me.value?.role === 'provider') return '/provider'
  return true
})

// A 401 from the server ends the session: back to the login, then to where the user was.
whenSessionEnds(() => {
  const here = router.currentRoute.value
  if (!here.meta.public) void router.push({ path: '/login', query: { next: here.fullPath, expired: '1' } })
})
