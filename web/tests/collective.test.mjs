// The village collective's workspace in a real browser against the real server and the demo county: the clerk
// of 石堡村 (shibao) registers a farm and a parcel, drafts, edits and activates a contract, checks the work
// providers logged, and the bureau's view of the village follows.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { suite } from './harness.mjs'

const SEASON = 2026

// Tests are signed in as the clerk unless they name the bureau; the provider logs work over the API.
const app = suite({ accounts: ['clerk', 'bureau', 'provider'], as: 'clerk' })
const { test, api } = app

/** idNumber is a resident ID number with its GB 11643 check character. */
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0)
  return first17 + '10X98765432'[sum % 11]
}
const farmID = idNumber(`6106311985061${String(Date.now() % 10000).padStart(4, '0')}`)
const badID = farmID.slice(0, 17) + (farmID[17] === '0' ? '1' : '0')
const farmName = `石堡村测试家庭农场${Date.now() % 100000}`
const parcelName = '测试东坡地'

/** A square of about 10 mu near 石堡村, as a GeoJSON Feature. */
const boundary = (() => {
  const [lon, lat, dlon, dlat] = [109.8, 35.6, 0.000902, 0.000738]
  return {
    type: 'Feature',
    properties: {},
    geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]] },
  }
})()

async function villageFigures(page, collectiveId) {
  await page.goto(`${app.base}/bureau/townships/610631100000/collectives/${collectiveId}?season=${SEASON}`)
  const row = (k) => page.locator(`[data-test=kpi-${k}] td`).first()
  await row('pending_area_mu').waitFor()
  const num = async (k) => Number((await row(k).textContent()).replace(/[,\s]/g, ''))
  return { pending: await num('pending_area_mu'), service: await num('service_area_mu'), contracts: await num('contracts') }
}

let bureauBefore
let collectiveId
let contract // the contract the clerk activates: { id, parcelId, opType }

describe('the collective workspace', () => {
  test("the bureau's view of the village before the clerk's work", async (page) => {
    const me = await api('clerk', 'GET', '/auth/me')
    collectiveId = me.collective_id
    bureauBefore = await villageFigures(page, collectiveId)
    assert.ok(bureauBefore.pending > 0, 'the village has work awaiting checking')
  }, { as: 'bureau' })

  test('the clerk registers a family farm; a bad ID number shows its error in Chinese first', async (page) => {
    await page.goto(app.base + '/')
    await page.waitForURL('**/collective')
    await page.locator('[data-test=nav-farms]').click()
    const form = page.locator('[data-test=farm-form]')
    await form.locator('select[name=kind]').selectOption('family_farm')
    await form.locator('input[name=name]').fill(farmName)
    await form.locator('input[name=operator_name]').fill('王测试')
    await form.locator('input[name=id_number]').fill(badID)
    await form.locator('input[name=phone]').fill('13991234567')
    await form.locator('input[name=registered_on]').fill('2021-04-12')
    await form.locator('input[value=planting]').check()
    await form.locator('input[name=operated_area_mu]').fill('120.5')
    await page.locator('[data-test=farm-save]').click()
    const idError = form.locator('[data-error=id_number]')
    await page.waitForFunction(() => document.querySelector('[data-error=id_number]')?.textContent.trim())
    assert.equal((await idError.textContent()).trim(), '校验位不正确')
    assert.equal((await page.locator('[data-test=farm-error]').textContent()).trim(), '请检查标出的字段。')
    const listed = await api('clerk', 'GET', `/farms?name=${encodeURIComponent(farmName)}`)
    assert.equal(listed.items.length, 0, 'nothing was saved')

    await form.locator('input[name=id_number]').fill(farmID)
    await page.locator('[data-test=farm-save]').click()
    await page.locator('[data-test=farm-saved]').waitFor()
    const row = page.locator('[data-test=farms] tbody tr', { hasText: farmName })
    await row.waitFor()
    const text = await row.textContent()
    assert.ok(!text.includes(farmID), 'the ID number is masked')
    assert.match(text, /家庭农场/)
  })

  test('the clerk registers a parcel with a boundary file, drawn with a scale and flagged against its declared area', async (page) => {
    await page.goto(app.base + '/collective/parcels')
    const form = page.locator('[data-test=parcel-form]')
    await form.locator('select[name=farm_id] option', { hasText: farmName }).waitFor({ state: 'attached' })
    await form.locator('select[name=farm_id]').selectOption({ label: farmName })
    await form.locator('input[name=name]').fill(parcelName)
    await form.locator('input[name=area_mu]').fill('12')
    await form.locator('select[name=land_type]').selectOption('dry')
    await form.locator('[data-test=boundary-file]').setInputFiles({
      name: 'dongpo.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(boundary)),
    })
    await form.locator('[data-test=outline] path').waitFor()
    await page.locator('[data-test=parcel-save]').click()
    const saved = page.locator('[data-test=parcel-saved]')
    await saved.waitFor()
    await saved.locator('[data-test=outline] path').waitFor()
    assert.match(await saved.locator('[data-test=scale]').textContent(), /^\d+ m$/)
    const areas = await saved.locator('[data-test=parcel-areas]').textContent()
    assert.match(areas, /申报面积 12\.00 亩，实测面积 (9|10)\.\d\d 亩/)
    await saved.locator('[data-test=mismatch]').waitFor()
  })

  test('the clerk drafts a contract in steps, edits it and activates it', async (page) => {
    await page.goto(app.base + '/collective/contracts')
    await page.locator('[data-test=contract-new]').click()
    await page.locator('[data-test=contract-farm] option', { hasText: farmName }).waitFor({ state: 'attached' })
    await page.locator('[data-test=contract-farm]').selectOption({ label: (await page.locator('[data-test=contract-farm] option', { hasText: farmName }).textContent()).trim() })
    await page.locator('[data-test=step-next]').click()
    const parcelRow = page.locator('[data-test=contract-parcels] tbody tr', { hasText: parcelName })
    await parcelRow.locator('input[type=checkbox]').check()
    await parcelRow.locator('[data-test=parcel-area]').fill('11.5')
    await page.locator('[data-test=step-next]').click()
    // The demo's provider account, 丰收: its first operation type is the one needed.
    const me = await api('provider', 'GET', '/auth/me')
    const provider = await api('provider', 'GET', `/providers/${me.provider_id}`)
    const opType = provider.operation_types[0]
    await page.locator(`[data-test=needed-op][value=${opType}]`).check()
    const providers = page.locator('[data-test=contract-provider] option:not([disabled])')
    assert.ok((await providers.count()) > 0, 'some provider offers the operation')
    await page.locator('[data-test=contract-provider]').selectOption({ value: String(provider.id) })
    await page.locator('[data-test=step-next]').click()
    const line = page.locator('[data-test=contract-services] tbody tr').first()
    await line.locator('input[name=price_per_mu]').fill('60')
    await line.locator('input[name=subsidy_per_mu]').fill('10')
    await line.locator('input[name=baseline_cost_per_mu]').fill('80')
    await page.locator('[data-test=step-next]').click()
    await page.locator('input[name=collective_fee_per_mu]').fill('5')
    await page.locator('input[name=baseline_yield_kg_per_mu]').fill('500')
    await page.locator('input[name=price_per_kg]').fill('2.4')
    await page.locator('[data-test=step-next]').click()
    assert.equal((await page.locator('[data-test=review-area]').textContent()).trim(), '11.50 亩')
    assert.equal((await page.locator('[data-test=review-before]').textContent()).trim(), '80.00 元/亩')
    assert.equal((await page.locator('[data-test=review-after]').textContent()).trim(), '55.00 元/亩')
    await page.locator('[data-test=contract-save]').click()
    await Promise.race([
      page.waitForURL(/\/collective\/contracts\/\d+$/),
      page.locator('[data-test=contract-error]').waitFor().then(async () => {
        throw new Error('saving the draft: ' + (await page.locator('[data-test=contract-error]').textContent()))
      }),
    ])
    await page.locator('[data-test=contract-status]', { hasText: '草稿' }).waitFor()

    // Edit: a subsidy above the price is refused on its field, then the price goes up.
    await page.locator('[data-test=steps] button', { hasText: '服务项目' }).click()
    await line.locator('input[name=subsidy_per_mu]').fill('90')
    await page.locator('[data-test=contract-save]').click()
    await page.locator('[data-test=contract-error]').waitFor()
    assert.equal((await line.locator('input[name=subsidy_per_mu] + .field-error').textContent()).trim(), '超出允许范围')
    await line.locator('input[name=subsidy_per_mu]').fill('10')
    await line.locator('input[name=price_per_mu]').fill('70')
    await page.locator('[data-test=contract-save]').click()
    await page.locator('[data-test=contract-notice]').waitFor()
    await page.locator('[data-test=steps] button', { hasText: '核对' }).click()
    assert.equal((await page.locator('[data-test=review-after]').textContent()).trim(), '65.00 元/亩')

    await page.locator('[data-test=contract-activate]').click()
    await page.locator('[data-test=contract-status]', { hasText: '履行中' }).waitFor()
    const id = Number(new URL(page.url()).pathname.split('/').pop())
    const c = await api('clerk', 'GET', `/contracts/${id}`)
    contract = { id, parcelId: c.parcels[0].parcel_id, opType }
  })

  test('the clerk confirms three pending operations in one step and disputes one with a reason', async (page) => {
    // The provider logs four passes of work on the new contract; with the demo's, they await the clerk.
    for (const [date, area] of [['2026-06-01', '2.50'], ['2026-06-02', '2.50'], ['2026-06-03', '2.50'], ['2026-06-04', '2.50']]) {
      await api('provider', 'POST', `/contracts/${contract.id}/operations`, {
        parcel_id: contract.parcelId, op_type: contract.opType, op_date: date, area_mu: area, inputs: [],
      })
    }
    await page.goto(app.base + '/collective')
    const count = page.locator('[data-test=nav-pending]')
    await count.waitFor()
    const n = Number(await count.textContent())
    assert.ok(n >= 4, `${n} operations await checking`)
    const boxes = page.locator('[data-test=queue-select]')
    await boxes.first().waitFor()
    for (let i = 0; i < 3; i++) await boxes.nth(i).check()
    await page.locator('[data-test=confirm-selected]').click()
    await page.locator('[data-test=queue-notice]', { hasText: '已确认 3 条作业记录。' }).waitFor()
    await page.locator('[data-test=nav-pending]', { hasText: String(n - 3) }).waitFor()

    await page.locator('[data-test=queue-dispute]').first().click()
    await page.locator('[data-test=dispute-submit]').click()
    await page.waitForFunction(() => document.querySelector('[data-test=dispute-error]')?.textContent.trim())
    assert.equal((await page.locator('[data-test=dispute-error]').textContent()).trim(), '长度不符合要求')
    await page.locator('[data-test=dispute-reason]').fill('实测面积与记录不符')
    await page.locator('[data-test=dispute-submit]').click()
    await page.locator('[data-test=queue-notice]', { hasText: '已提出异议。' }).waitFor()
    await page.locator('[data-test=nav-pending]', { hasText: String(n - 4) }).waitFor()
  })

  test("the bureau's view of the village changes accordingly", async (page) => {
    const now = await villageFigures(page, collectiveId)
    assert.ok(now.service > bureauBefore.service, `service area ${now.service} after ${bureauBefore.service}`)
    // What was confirmed moved from pending to served; the provider's four new passes (10 mu) came in pending.
    assert.equal(Math.round((now.service - bureauBefore.service + now.pending - bureauBefore.pending) * 100), 1000)
    assert.equal(now.contracts, bureauBefore.contracts + 1, 'the activated contract counts')
  }, { as: 'bureau' })

  test('the clerk terminates the contract with a reason', async (page) => {
    await page.goto(`${app.base}/collective/contracts/${contract.id}`)
    await page.locator('[data-test=contract-status]', { hasText: '履行中' }).waitFor()
    await page.locator('[data-test=terminate-reason]').fill('农户外出务工，土地流转')
    await page.locator('[data-test=contract-terminate]').click()
    await page.locator('[data-test=contract-status]', { hasText: '已终止' }).waitFor()
    assert.equal((await api('clerk', 'GET', `/contracts/${contract.id}`)).termination_reason, '农户外出务工，土地流转')
  })

  test("the clerk sees the village's figures and downloads its ledger", async (page) => {
    await page.goto(`${app.base}/collective/figures?season=${SEASON}`)
    await page.locator('[data-test=kpi-contracts]').waitFor()
    assert.equal(await page.locator('.crumbs').count(), 0)
    const download = page.locator('[data-test=download-csv]').first()
    await download.waitFor()
    const [csv] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), download.click()])
    const lines = readFileSync(await csv.path(), 'utf8').trim().split('\r\n')
    assert.ok(lines.length > 2, 'the ledger has rows')
    const collective = lines[0].split(',').indexOf('村集体 collective_name')
    assert.ok(collective >= 0, 'the ledger names the collective')
    assert.ok(lines.slice(1).every((l) => l.split(',')[collective] === '石堡村股份经济合作社'), "every row is the village's")
  })

  test("the clerk imports a roster: the dry run's refusals row by row, then the import in parts, and a template", async (page) => {
    await page.goto(app.base + '/collective/import')
    const [tpl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=import-template]').click()])
    assert.match(readFileSync(await tpl.path(), 'utf8'), /^\uFEFFkind,name,operator_name,id_number,phone/)

    const stamp = String(Date.now() % 10000).padStart(4, '0')
    let csv = '\uFEFFkind,name,operator_name,id_number,phone\r\n'
    for (let i = 0; i < 450; i++) {
      const line = i + 2
      const birth = `${1940 + (Math.floor(Date.now() / 1000) % 60)}${String((i % 12) + 1).padStart(2, '0')}${String((Math.floor(i / 12) % 28) + 1).padStart(2, '0')}`
      let id = idNumber(`610631${birth}${String(i).padStart(3, '0')}`)
      let phone = `137${stamp}${String(i).padStart(4, '0')}`
      if (line === 5) id = id.slice(0, 17) + (id[17] === '0' ? '1' : '0')
      if (line === 100) phone = '12345'
      csv += `household,导入户${stamp}-${i},李${i},${id},${phone}\r\n`
    }
    await page.locator('[data-test=import-file]').setInputFiles({ name: 'huamingce.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    const check = page.locator('[data-test=import-check]')
    await check.waitFor()
    assert.match(await check.textContent(), /新增 448，更新 0，不变 0，有误 2/)
    const refused = page.locator('[data-test=import-refused] tbody tr')
    assert.deepEqual(await refused.evaluateAll((rows) => rows.map((r) => r.dataset.row)), ['5', '100'])
    assert.match(await refused.first().textContent(), /身份证号校验位不正确/)
    assert.equal((await api('clerk', 'GET', `/farms?name=${encodeURIComponent('导入户' + stamp)}&limit=500`)).items.length, 0, 'the dry run wrote nothing')

    await page.locator('[data-test=import-go]').click()
    const done = page.locator('[data-test=import-done]')
    await done.waitFor({ timeout: 120_000 })
    assert.match(await done.textContent(), /新增 448，更新 0，不变 0，有误 2/)
    assert.deepEqual(await refused.evaluateAll((rows) => rows.map((r) => r.dataset.row)), ['5', '100'])
    assert.equal((await api('clerk', 'GET', `/farms?name=${encodeURIComponent('导入户' + stamp)}&limit=500`)).items.length, 448)
  })
})
