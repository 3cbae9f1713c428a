// The bureau's subsidy screens in a real browser against the real server and the demo county: the season at a
// glance, a settlement approved, paid and downloaded, the policy frozen after approval, and a field sample drawn
// and checked. Every test fails on any request that leaves the server.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { screenshot, suite } from './harness.mjs'
import { parts } from './xlsx.mjs'

// Every test is signed in as the bureau.
const app = suite({ accounts: ['bureau'], as: 'bureau' })
const { test } = app

const text = async (l) => ((await l.textContent()) ?? '').trim()
const plain = (s) => s.replace(/[^\d.]/g, '')

describe("the bureau's subsidies", () => {
  test('2025 at a glance: the paid settlements, the chart and the totals; the policy can no longer change', async (page) => {
    await page.goto(app.base + '/bureau')
    await page.locator('[data-test=nav-subsidies]').click()
    await page.locator('[data-test=season]').waitFor()
    // The season is in the address, so a season's page can be opened, shared and reloaded as it is.
    await page.goto(app.base + '/bureau/subsidies?season=2025')
    const rows = page.locator('[data-test=settlements] tbody tr[data-status]')
    await rows.first().waitFor()
    await page.locator('[data-test=settlements-loading]').waitFor({ state: 'detached', timeout: 60_000 })
    const n = await rows.count()
    assert.ok(n >= 2, `the demo's providers are settled for 2025, got ${n}`)
    // A provider without work in 2025 keeps an empty draft; every other one is paid.
    for (const ops of await page.locator('[data-test=settlements] tbody tr[data-status=draft] td:nth-child(3)').allTextContents())
      assert.equal(ops.trim(), '0', 'a 2025 draft holds no work')
    const paid = page.locator('[data-test=settlements] tbody tr[data-status=paid]')
    assert.ok((await paid.count()) > n / 2, 'most 2025 settlements are paid')
    assert.match(await text(paid.first().locator('.tag')), /已拨付/)
    assert.ok(await page.locator('.chart canvas').count(), 'the chart is drawn')
    const payable = Number(plain(await text(page.locator('[data-test=total-payable]'))))
    const eligible = Number(plain(await text(page.locator('[data-test=total-eligible]'))))
    const claimed = Number(plain(await text(page.locator('[data-test=total-claimed]'))))
    assert.ok(payable > 0 && payable <= eligible && eligible <= claimed, `claimed ${claimed} ≥ eligible ${eligible} ≥ payable ${payable} > 0`)
    assert.match(await text(page.locator('[data-test=subsidy-totals]')), /政策下限 60\.00 %/)
    await screenshot(page, 'subsidies-desktop.png', { fullPage: true })

    // The 2025 policy, paid on, refuses a change, and the form says why.
    await page.locator('[data-test=subnav-policy]').click()
    await page.waitForURL('**/bureau/subsidies/policy?season=2025')
    const share = page.locator('[data-test=policy-max_share_pct]')
    await share.waitFor()
    assert.equal(await share.inputValue(), '40.00')
    assert.equal(await page.locator('[data-test=policy-max_per_mu]').inputValue(), '130.00')
    assert.ok(await page.locator('[data-test=key-op-ploughing]').isChecked(), 'ploughing is a key operation')
    assert.ok(await page.locator('[data-test=enforcement-refuse]').isChecked())
    await page.locator('[data-test=policy-save]').click()
    assert.match(await text(page.locator('[data-test=policy-error]')), /已有结算单审核通过，补助政策不能再修改/)

    // 2026, with drafts only, still takes a change.
    await page.locator('[data-test=season]').selectOption('2026')
    await page.waitForURL('**/bureau/subsidies/policy?season=2026')
    await page.locator('[data-test=policy-state]', { hasText: '最后修改于' }).waitFor()
    await page.locator('[data-test=policy-sample_pct]').fill('6.00')
    await page.locator('[data-test=policy-save]').click()
    assert.equal(await text(page.locator('[data-test=policy-saved]')), '2026年度补助政策已保存。')
  })

  test('a 2026 draft is approved, paid with a reference, and its statement downloads and reads back', async (page) => {
    await page.goto(app.base + '/bureau/subsidies?season=2026')
    await page.locator('[data-test=settlements] tbody tr[data-status=draft]').first().waitFor()
    // The first draft with work in it.
    const testId = await page.evaluate(() =>
      [...document.querySelectorAll('[data-test=settlements] tbody tr[data-status=draft]')]
        .find((r) => r.querySelector('td:nth-child(3)').textContent.trim() !== '0')
        .querySelector('a')
        .getAttribute('data-test'),
    )
    const draft = page.locator(`[data-test=${testId}]`)
    const provider = await text(draft)
    await draft.click()
    await page.locator('[data-test=ledger] tbody tr').first().waitFor()
    assert.equal(await text(page.locator('[data-test=settlement-status]')), '草稿')
    assert.ok((await page.locator('[data-test=ledger] tbody tr').count()) >= 1, 'the ledger has lines')

    await page.locator('[data-test=approve]').click()
    const dialog = page.locator('[data-test=approve-dialog]')
    await dialog.waitFor()
    assert.match(await text(dialog), new RegExp(provider))
    await page.locator('[data-test=approve-confirm]').click()
    await page.locator('[data-test=settlement-status]', { hasText: '已审核' }).waitFor()

    // An empty reference is refused beside its field; then the payment is recorded.
    await page.locator('[data-test=pay]').click()
    assert.equal(await text(page.locator('[data-test=pay-error]')), '必填')
    await page.locator('[data-test=pay-reference]').fill('黄财农〔2026〕1号')
    await page.locator('[data-test=pay]').click()
    await page.locator('[data-test=settlement-status]', { hasText: '已拨付' }).waitFor()
    assert.equal(await text(page.locator('[data-test=reference]')), '黄财农〔2026〕1号')
    await screenshot(page, 'settlement-desktop.png', { fullPage: true })

    const payable = plain(await text(page.locator('[data-test=payable]')))
    const downloads = page.locator('[data-test=statement-downloads]')
    const [csv] = await Promise.all([page.waitForEvent('download'), downloads.locator('[data-test=download-csv]').click()])
    const csvText = readFileSync(await csv.path(), 'utf8')
    assert.ok(csvText.includes(payable), `the CSV statement carries the payable ${payable}`)
    const [xlsx] = await Promise.all([page.waitForEvent('download'), downloads.locator('[data-test=download-xlsx]').click()])
    assert.match(xlsx.suggestedFilename(), /\.xlsx$/)
    const book = parts(readFileSync(await xlsx.path()))
    assert.ok([...book.keys()].some((k) => k.startsWith('xl/worksheets/')), 'a workbook')
    assert.ok([...book.values()].some((v) => v.includes(payable)), `the workbook carries the payable ${payable}`)
  })

  test('a 2026 field sample is drawn by a seed, one measured area is entered and the discrepancy follows', async (page) => {
    await page.goto(app.base + '/bureau/subsidies/samples?season=2026')
    await page.locator('[data-test=sample-seed]').fill('17')
    await page.locator('[data-test=draw]').click()
    await page.waitForURL(/\/bureau\/subsidies\/samples\/\d+/)
    const items = page.locator('[data-test=sample-items] tbody tr')
    await items.first().waitFor()
    assert.match(await text(page.locator('[data-test=sample-summary]')), /种子 17/)
    const first = items.first()
    const logged = Number(plain(await text(first.locator('td.num'))))
    await first.locator('[data-test=measured]').fill((logged / 2).toFixed(2))
    await page.locator('[data-test=save-results]').click()
    assert.equal(await text(page.locator('[data-test=results-saved]')), '已保存 1 笔实测结果。')
    const checked = page.locator('[data-test=sample-providers] [data-test=discrepancy]', { hasNotText: '—' })
    assert.equal(await checked.count(), 1, 'one provider has a discrepancy')
    assert.match(await text(checked), /%$/)

    const sheet = page.locator('[data-test=sheet-downloads]')
    const [xlsx] = await Promise.all([page.waitForEvent('download'), sheet.locator('[data-test=download-xlsx]').click()])
    const book = parts(readFileSync(await xlsx.path()))
    assert.ok([...book.keys()].some((k) => k.startsWith('xl/worksheets/')), 'the check sheet is a workbook')
  })
})
