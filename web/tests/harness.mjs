// What every browser test file sets up the same way: the server on a clone of the demo county and the browser
// for the file's tests, the demo's accounts signed in once over the API, each test in a fresh browser context
// that fails it when a request leaves the server or a page throws, the API as those accounts, and screenshots.
import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launch } from './browser.mjs'
import { ADMIN_PASSWORD, start } from './server.mjs'

/** The demo county's accounts the tests use. */
export const ACCOUNTS = {
  bureau: { username: 'huanglong', password: 'huanglong-demo' },
  clerk: { username: 'shibao', password: 'shibao-demo-1' }, // 石堡村's collective
  provider: { username: 'fengshou', password: 'fengshou-demo' },
  admin: { username: 'admin', password: ADMIN_PASSWORD },
}

// Screenshots go to test-results/ unless SCREENSHOTS_DIR names another place (`make screenshots` names docs/).
const shots = process.env.SCREENSHOTS_DIR || join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots')

/** screenshot saves the page as name in the screenshots' directory. */
export async function screenshot(page, name, options = {}) {
  mkdirSync(shots, { recursive: true })
  await page.screenshot({ path: join(shots, name), ...options })
}

/** logIn fills the login form on the page as the account and submits it. */
export async function logIn(page, { username, password }) {
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.locator('[data-test=login-submit]').click()
}

/**
 * suite starts the server and the browser before the file's tests and stops them after, signing in the named
 * accounts over the API once: login attempts are rate-limited per client address. It returns the app: its base
 * URL and browser once started, test, api and storageState. as is the account a test is signed in as unless it
 * names another (null: signed out); context holds the file's browser context options; browserArgs go to chromium;
 * prepare, when given, runs once all is started, before the tests. (A file's own before() would not wait for
 * this one's: Node runs hooks outside a describe() as they are declared.)
 */
export function suite({ accounts = [], as = null, context = {}, browserArgs = [], prepare } = {}) {
  let server
  const sessions = {}
  const app = { base: '', browser: null, test, api, storageState }

  before(async () => {
    server = await start()
    app.base = server.base
    for (const who of accounts) {
      const res = await fetch(app.base + '/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(ACCOUNTS[who]),
      })
      assert.equal(res.status, 200, `${ACCOUNTS[who].username} logs in`)
      const { token, expires_at } = await res.json()
      sessions[who] = { token, stored: JSON.stringify({ token, expires_at }) }
    }
    app.browser = await launch(browserArgs)
    await prepare?.()
  })

  after(async () => {
    await app.browser?.close()
    await server?.stop()
  })

  /**
   * test runs f(page, context) in a fresh browser context, signed in as options.as (the suite's as unless given),
   * as a reload after logging in would be; the rest of options adds to the context's options. It fails when a
   * request leaves the server or a page of the context throws or has the Content-Security-Policy refuse anything.
   */
  function test(name, f, { as: who = as, ...options } = {}) {
    it(name, async () => {
      const origin = new URL(app.base).origin
      const ctx = await app.browser.newContext({
        viewport: { width: 1366, height: 900 },
        locale: 'zh-CN',
        storageState: who ? storageState(who, origin) : undefined,
        ...context,
        ...options,
      })
      const outside = []
      ctx.on('request', (r) => {
        const u = r.url()
        if (u.startsWith('data:') || u.startsWith('blob:')) return
        if (new URL(u).origin !== origin) outside.push(u)
      })
      const errors = []
      ctx.on('page', (page) => {
        page.on('pageerror', (e) => errors.push(String(e)))
        page.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) errors.push(m.text())
        })
      })
      try {
        await f(await ctx.newPage(), ctx)
        assert.deepEqual(outside, [], 'requests left the server')
        assert.deepEqual(errors, [], 'the page threw')
      } finally {
        await ctx.close()
      }
    })
  }

  /** storageState is a browser context's storage with the account's session kept for origin, as the app keeps it. */
  function storageState(who, origin) {
    return { cookies: [], origins: [{ origin, localStorage: [{ name: 'tuoguan.session', value: sessions[who].stored }] }] }
  }

  /**
   * api calls the API at path (under /api/v1) as the account who and returns the answer's body; an answer other
   * than status (201 for a POST, else 200) fails. A POST carries a fresh Idempotency-Key.
   */
  async function api(who, method, path, body, status = method === 'POST' ? 201 : 200) {
    const headers = { Authorization: `Bearer ${sessions[who].token}` }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (method === 'POST') headers['Idempotency-Key'] = crypto.randomUUID()
    const res = await fetch(app.base + '/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    assert.equal(res.status, status, `${method} ${path}: ${await res.clone().text()}`)
    return res.json()
  }

  return app
}
