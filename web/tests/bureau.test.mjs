// The bureau's workspace in a real browser (Debian's chromium driven by playwright-core) against the real
// server and a database loaded with the demo county. Every test fails on any request that leaves the server.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ACCOUNTS, logIn, screenshot, suite } from './harness.mjs'
import { parts } from './xlsx.mjs'

// Tests are signed in as the bureau, as a reload after logging in would be, but for those that log in themselves.
const app = suite({ accounts: ['bureau'], as: 'bureau' })
const { test } = app

async function login(page, who = ACCOUNTS.bureau) {
  await page.goto(app.base + '/login')
  await logIn(page, who)
}

async function glance(page) {
  // The dashboard of the demo's season.
  await page.goto(app.base + '/bureau?season=2026')
  await page.locator('[data-test=benefit-per-mu]').waitFor()
}

describe('the bureau workspace', () => {
  test('a bad login shows its error in Chinese, and nothing is kept', async (page) => {
    await login(page, { username: 'huanglong', password: 'not-the-password' })
    const err = page.locator('[data-test=login-error]')
    await err.waitFor()
    assert.equal((await err.textContent()).trim(), '用户名或密码不正确。')
    assert.equal(await page.evaluate(() => localStorage.getItem('tuoguan.session')), null)
  }, { as: null })

  test('the bureau logs in and sees the county: 180.00 yuan per mu in 2026, beside 2025', async (page) => {
    await login(page)
    await page.waitForURL('**/bureau')
    await glance(page)
    assert.equal(await page.locator('[data-test=benefit-per-mu]').textContent(), '180.00')
    const hero = await page.locator('[data-test=hero]').textContent()
    assert.match(hero, /2025年度/)
    assert.equal(await page.locator('[data-test=townships] tbody tr').count(), 7)
    assert.equal(await page.locator('canvas').count() >= 6, true, 'the charts are drawn')
    // The session survives a reload, and the token is never in a URL.
    await page.reload()
    await page.locator('[data-test=benefit-per-mu]').waitFor()
    assert.doesNotMatch(page.url(), /tg_/)
  }, { as: null })

  test('time to first render of the dashboard (median of five loads)', async (page) => {
    await glance(page)
    const times = []
    for (let i = 0; i < 5; i++) {
      await page.goto(app.base + '/bureau?season=2026')
      await page.locator('[data-test=benefit-per-mu]').waitFor()
      await page.locator('canvas').first().waitFor()
      times.push(await page.evaluate(() => performance.now()))
    }
    times.sort((a, b) => a - b)
    console.log(`# dashboard time to first render: median ${Math.round(times[2])} ms of ${times.map(Math.round).join(', ')} ms`)
  })

  test('drills down township → village → contract → the confirmed operations behind a line', async (page) => {
    await glance(page)
    await page.locator('[data-test=townships] tbody tr th a').first().click()
    await page.locator('[data-test=villages] tbody tr th a').first().waitFor()
    assert.match(await page.locator('h1').textContent(), /镇|乡/)
    await page.locator('[data-test=villages] tbody tr th a').first().click()
    await page.locator('[data-test=contracts] tbody tr th a').first().waitFor()
    assert.match(await page.locator('h1').textContent(), /村/)
    const cents = (s) => Math.round(Number(s.replace(/,/g, '')) * 100)
    // The first contract of the village with confirmed work on a line (the demo loads in parallel, so which
    // contract comes first varies), and the first such line.
    const contracts = page.locator('[data-test=contracts] tbody tr th a')
    let line = null
    for (let c = 0; c < Math.min(await contracts.count(), 10) && !line; c++) {
      if (c > 0) {
        await page.goBack()
        await contracts.first().waitFor()
      }
      await contracts.nth(c).click()
      await page.locator('[data-test=benefit-benefit]').waitFor()
      assert.match(await page.locator('h1').textContent(), /^合同 \d{12}-2026-\d+/)
      const lines = page.locator('[data-test=lines] tbody tr')
      await lines.first().waitFor()
      for (let i = 0; i < (await lines.count()); i++) {
        const l = lines.nth(i)
        if (cents(await l.locator('td').nth(4).textContent()) > 0 && (await l.locator('button').count()) > 0) {
          line = l
          break
        }
      }
    }
    assert.ok(line, 'a contract of the village has confirmed work')
    // The line's confirmed operations: their areas add up to the line's delivered area.
    const op = (await line.locator('button').getAttribute('data-test')).replace('show-', '')
    await line.locator('button').click()
    const rows = page.locator('[data-test=operations] tbody tr')
    // The operations have come when the first row has its area cell; count them only then.
    await rows.first().locator('td').nth(3).waitFor()
    const n = await rows.count()
    assert.ok(n > 0, 'the line has confirmed operations')
    const delivered = (await line.locator('td').nth(4).textContent()).replace(/,/g, '')
    let sum = 0
    for (let i = 0; i < n; i++) sum += cents(await rows.nth(i).locator('td').nth(3).textContent())
    assert.equal(sum, cents(delivered), `the ${op} operations add up to the delivered area`)
    // The breadcrumbs lead back up.
    await page.locator('.crumbs a').first().click()
    await page.locator('[data-test=benefit-per-mu]').waitFor()
  })

  test('suspends and reactivates a provider', async (page) => {
    await page.goto(app.base + '/bureau')
    await page.locator('[data-test=nav-providers]').click()
    await page.locator('[data-test=provider-status-filter]').selectOption('active')
    await page.getByRole('button', { name: '查询' }).click()
    const first = page.locator('[data-test=providers] tbody tr th button').first()
    await first.waitFor()
    const name = (await first.textContent()).trim()
    await first.click()
    await page.locator('[data-test=provider-suspend]').click()
    await page.locator('[data-test=provider-reactivate]').waitFor()
    assert.equal(await page.locator('[data-test=provider-status]').textContent(), '已暂停')
    // The directory searches by name, and the server kept the change.
    await page.locator('[data-test=provider-status-filter]').selectOption('suspended')
    await page.locator('[data-test=provider-search]').fill(name)
    await page.getByRole('button', { name: '查询' }).click()
    await page.locator('[data-test=providers] tbody tr th button', { hasText: name }).click()
    await page.locator('[data-test=provider-reactivate]').click()
    await page.locator('[data-test=provider-suspend]').waitFor()
    assert.equal(await page.locator('[data-test=provider-status]').textContent(), '正常')
    // The directory, which has no export on the server, downloads as CSV from the page.
    await page.locator('[data-test=provider-status-filter]').selectOption('')
    await page.locator('[data-test=provider-search]').fill('')
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=providers-csv]').click()])
    const rows = readFileSync(await csv.path(), 'utf8').slice(1).trim().split('\r\n')
    assert.equal(rows.length, 41, 'a header and the forty providers of the demo')
    assert.ok(rows.some((r) => r.includes(name)))
  })

  test('downloads the townships as CSV and Excel, and both read back', async (page) => {
    await glance(page)
    const section = page.locator('[data-test=townships-downloads]')
    const [csv] = await Promise.all([page.waitForEvent('download'), section.locator('[data-test=download-csv]').click()])
    const text = readFileSync(await csv.path(), 'utf8')
    assert.equal(text.charCodeAt(0), 0xfeff, 'the CSV starts with a byte-order mark')
    const lines = text.slice(1).trim().split(/\r?\n/)
    assert.ok(lines.length >= 8, `a header and seven townships, got ${lines.length} lines`)
    assert.ok(lines.some((l) => l.includes('石堡镇')), 'a township by name')
    const [xlsx] = await Promise.all([page.waitForEvent('download'), section.locator('[data-test=download-xlsx]').click()])
    assert.match(xlsx.suggestedFilename(), /\.xlsx$/)
    const book = parts(readFileSync(await xlsx.path()))
    assert.ok(book.has('[Content_Types].xml') && [...book.keys()].some((k) => k.startsWith('xl/worksheets/')))
    assert.ok([...book.values()].some((v) => v.includes('石堡镇')), 'the workbook names the townships')
    // The county's operations ledger, a long file, streams in with its progress shown.
    const ledger = page.locator('[data-test=ledger-downloads]')
    const [ops] = await Promise.all([page.waitForEvent('download'), ledger.locator('[data-test=download-csv]').click()])
    const opsLines = readFileSync(await ops.path(), 'utf8').trim().split('\r\n')
    assert.ok(opsLines.length > 1000, `the 2026 ledger holds thousands of operations, got ${opsLines.length - 1}`)
  })

  test("the API's errors appear in the user's language next to the field they name", async (page) => {
    await page.goto(app.base + '/bureau?season=2026&crop=banana')
    const crop = page.locator('[data-test=error-crop]')
    await page.locator('[data-test=error-details]').waitFor()
    assert.equal(await crop.textContent(), '不是允许的取值')
    assert.match(await page.locator('[role=alert]').first().textContent(), /请求格式有误。[\s\S]*作物：不是允许的取值/)
    await page.locator('[data-test=language]').selectOption('en')
    await page.getByText('Not an allowed value').first().waitFor()
    assert.equal(await crop.textContent(), 'Not an allowed value')
  })

  test('switches the language to English, remembers it, and back', async (page) => {
    await glance(page)
    await page.locator('[data-test=language]').selectOption('en')
    await page.getByText('Benefit per mu').first().waitFor()
    await page.reload()
    await page.getByText('Cost saving per mu').first().waitFor()
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en')
    await page.locator('[data-test=language]').selectOption('zh-CN')
    await page.getByText('亩均节支增收').first().waitFor()
  })

  test('a session the server no longer knows leads back to the login; logout forgets the session', async (page) => {
    await login(page)
    await page.waitForURL('**/bureau')
    await page.evaluate(() =>
      localStorage.setItem('tuoguan.session', JSON.stringify({ token: 'tg_revoked', expires_at: '2999-01-01T00:00:00Z' })),
    )
    await page.reload()
    await page.waitForURL('**/login**')
    await login(page)
    await page.waitForURL('**/bureau')
    await page.locator('[data-test=logout]').click()
    await page.waitForURL('**/login')
    assert.equal(await page.evaluate(() => localStorage.getItem('tuoguan.session')), null)
    await page.goto(app.base + '/bureau')
    await page.waitForURL('**/login**')
  }, { as: null })

  test('another role sees a plain home, without the bureau workspace', async (page) => {
    // Collectives and providers have workspaces of their own (tests/collective.test.mjs, tests/field.test.mjs).
    await login(page, ACCOUNTS.admin)
    await page.getByText('您的身份：系统管理员').waitFor()
    assert.equal(await page.locator('[data-test=nav-glance]').count(), 0)
    await page.goto(app.base + '/bureau')
    await page.waitForURL((u) => u.pathname === '/')
  }, { as: null })

  test('screenshots: desktop', async (page) => {
    await glance(page)
    await page.waitForTimeout(600) // the charts' entry animation
    await screenshot(page, 'bureau-desktop.png', { fullPage: true })
    await page.locator('[data-test=townships] tbody tr th a').first().click()
    await page.locator('[data-test=villages] tbody tr th a').first().click()
    await page.locator('[data-test=contracts] tbody tr th a').first().click()
    await page.locator('[data-test=lines] tbody tr button').first().click()
    await screenshot(page, 'contract-desktop.png', { fullPage: true })
  })

  test(
    'screenshots: a 360 px phone',
    async (page) => {
      await glance(page)
      await page.waitForTimeout(600)
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= 360, `the page fits 360 px without scrolling sideways (${width} px)`)
      await screenshot(page, 'bureau-phone.png', { fullPage: true })
    },
    { viewport: { width: 360, height: 780 } },
  )
})
