/**
 * The web dashboard in a real browser (Debian's chromium through playwright-core) against the
 * real CLI on port 0: a release created through the API appears and turns DEPLOYED without a
 * reload, its timeline opens, a pending upgrade completed from the page changes the API's answer,
 * a fault rule added from the form fails the next API call as configured, and the journal filters.
 * Every view is scanned with axe-core and walked with the keyboard. Screenshots of each view are
 * kept under .cache/ui-artifacts/.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { axeViolations, chromiumPath, describeViolations, MISSING_BROWSER, underCi, waitForExpression } from './browser.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const ARTIFACTS = fileURLToPath(new URL('../../.cache/ui-artifacts', import.meta.url))
const BASE = '/cce/cam/v3/clusters/c1'
const RELEASE = `${BASE}/namespace/default/releases/web`
const VIEWS = ['releases', 'release/cce/c1/default/web?project_id=default', 'pending', 'requests', 'faults', 'charts'] as const

// In-page code is passed as text: the project compiles without the DOM library.
const FOCUSED_TEXT = 'document.activeElement?.textContent ?? ""'
const onlyEntry = (text: string) => `(() => { const r = document.querySelectorAll('tr[data-entry]'); return r.length === 1 && r[0].textContent.includes(${JSON.stringify(text)}) })()`
const UNNAMED_CONTROLS = `[...document.querySelectorAll('input, select, button, a[href], textarea')]
  .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim()))
  .map((e) => e.outerHTML.slice(0, 80))`

if (!chromiumPath && !underCi) console.warn(MISSING_BROWSER)

describe.skipIf(!chromiumPath && !underCi)('dashboard in chromium', () => {
  let cli: RunningCli
  let browser: Browser
  let page: Page
  let charts: Array<{ id: string; name: string; version: string; flavor: string }>

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cli.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-token': 'ui-test' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }
  const chart = (version: string) => charts.find((c) => c.name === 'nginx-demo' && c.version === version && c.flavor === 'cce')!
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true })
  const open = async (view: string) => {
    await page.goto('about:blank')
    await page.goto(`${cli.url}/_emulator/ui#/${view}`)
  }

  beforeAll(async () => {
    // Only reached without chromium under CI: every test fails with the reason.
    if (!chromiumPath) throw new Error(MISSING_BROWSER)
    mkdirSync(ARTIFACTS, { recursive: true })
    const { chromium } = await import('playwright-core')
    ;[cli, browser] = await Promise.all([
      startCli(['--port', '0', '--db', ':memory:', '--auth', 'presence', '--charts', EXAMPLES, '--lifecycle', 'fast']),
      chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] }),
    ])
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.setDefaultTimeout(10_000)
    charts = (await api('GET', '/_emulator/charts')).body.charts as typeof charts
  })

  afterAll(async () => {
    await browser?.close()
    await cli?.stop()
  })

  it('shows a release created through the API, then its status turning DEPLOYED live', { timeout: 60_000 }, async () => {
    await api('PUT', '/_emulator/lifecycle', { operations: { install: { mode: 'time', delay_ms: 60_000 } } })
    await open('releases')
    await page.getByRole('heading', { name: 'Releases' }).waitFor()
    // A marker that a reload would wipe: everything below must arrive without one.
    await page.evaluate('window.stayed = true')

    const created = await api('POST', `${BASE}/releases`, { name: 'web', namespace: 'default', chart_id: chart('1.0.0').id, version: '1.0.0', values: { replicaCount: 2 } })
    expect(created.status).toBe(201)
    const chip = (status: string) => page.locator('tr[data-release="web"] .chip', { hasText: status })
    await chip('PENDING_INSTALL').waitFor()
    await page.locator('.counts', { hasText: 'PENDING_INSTALL 1' }).waitFor()

    await api('POST', '/_emulator/clock/advance', { seconds: 60 })
    await chip('DEPLOYED').waitFor()
    await page.locator('.counts', { hasText: 'DEPLOYED 1' }).waitFor()
    expect(await page.evaluate('window.stayed')).toBe(true)
    await shot('releases')
  })

  it("opens the release's revision timeline", { timeout: 30_000 }, async () => {
    await page.getByRole('link', { name: 'web', exact: true }).click()
    const timeline = page.getByTestId('timeline')
    await timeline.waitFor()
    expect(await timeline.locator('[data-revision]').count()).toBe(1)
    // Installed, pending for the 60 simulated seconds of the install delay, then deployed.
    expect(await timeline.locator('[data-revision="1"] title').textContent()).toMatch(/Revision 1: install started .*, pending for 60 s, ended DEPLOYED/)
    await page.getByRole('region', { name: 'Pending operation' }).waitFor({ state: 'detached' })
    // The journal entries that touched it: the create that made it.
    await page.getByRole('button', { name: `POST ${BASE}/releases` }).waitFor()
    await shot('release')
  })

  it('completes a pending upgrade from the page, and the API answers the new status', { timeout: 60_000 }, async () => {
    await api('PUT', '/_emulator/lifecycle', { profile: 'manual' })
    const upgraded = await api('PUT', RELEASE, { chart_id: chart('1.1.0').id, action: 'upgrade', parameters: {}, values: { replicaCount: 3 } })
    expect(upgraded.status).toBe(200)
    expect((await api('GET', RELEASE)).body.status).toBe('PENDING_UPGRADE')

    // The release view (still open) shows the pending upgrade live, with its second lane.
    await page.getByRole('button', { name: 'Complete upgrade now' }).waitFor()
    await page.locator('[data-testid="timeline"] [data-revision="2"]').waitFor()

    await open('pending')
    const complete = page.getByRole('button', { name: 'Complete upgrade of web' })
    await complete.waitFor()
    await shot('pending')
    await complete.click()
    await page.getByRole('status').filter({ hasText: 'web: upgrade completed, now DEPLOYED' }).waitFor()
    await page.getByText('Nothing is pending.').waitFor()

    const shown = (await api('GET', RELEASE)).body
    expect(shown).toMatchObject({ status: 'DEPLOYED', version: 2, chart_version: '1.1.0' })
  })

  it('adds a fault rule from the form, and the next API call fails as configured', { timeout: 60_000 }, async () => {
    await open('faults')
    await page.getByLabel('Operation', { exact: true }).selectOption('show')
    await page.getByLabel('Release name').fill('web')
    await page.getByLabel('HTTP status').selectOption('503')
    await page.getByLabel('Error message (optional)').fill('maintenance window')
    await page.getByLabel('Times (empty: unlimited)').fill('1')
    await page.getByRole('button', { name: 'Add rule' }).click()
    await page.getByRole('status').filter({ hasText: /Rule f\d+ added: HTTP 503 APIGW\.0203 for operation=show, name=web/ }).waitFor()
    await shot('faults')

    const failed = await api('GET', RELEASE)
    expect(failed.status).toBe(503)
    expect(failed.body).toMatchObject({ error_code: 'APIGW.0203', error_msg: 'maintenance window' })
    expect(failed.headers.get('x-emulator-fault')).toMatch(/^f\d+$/)
    // count 1: used up.
    expect((await api('GET', RELEASE)).status).toBe(200)
    await page.locator('tr[data-rule] td', { hasText: /^0$/ }).first().waitFor()
  })

  it('filters the journal and shows an entry’s request and answer', { timeout: 60_000 }, async () => {
    await open('requests')
    const rows = page.locator('tr[data-entry]')
    await rows.first().waitFor()
    expect(await rows.count()).toBeGreaterThanOrEqual(5)

    await page.getByLabel('Status').fill('503')
    await waitForExpression(page, onlyEntry('503'))
    await page.getByRole('button', { name: `GET ${RELEASE}` }).click()
    await page.getByLabel(/Answer body of entry/).filter({ hasText: 'maintenance window' }).waitFor()
    await shot('requests')

    await page.getByLabel('Status').fill('')
    await page.getByLabel('Operation').fill('upgrade')
    await waitForExpression(page, onlyEntry('PUT'))
    // The live chart counted the requests above.
    expect(await page.locator('figure.rate figcaption').textContent()).toMatch(/requests\/s now/)
  })

  it('offers chart downloads and default values', { timeout: 30_000 }, async () => {
    await open('charts')
    const download = page.getByRole('link', { name: 'Download .tgz of nginx-demo 1.1.0 (cce, default)' })
    const href = await download.getAttribute('href')
    const res = await fetch(`${cli.url}${href}`)
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    await page.getByRole('button', { name: 'Show values of nginx-demo 1.1.0 (cce, default)' }).click()
    await page.getByLabel('values.yaml of nginx-demo 1.1.0').filter({ hasText: '"replicaCount": 1' }).waitFor()
    await shot('charts')
  })

  it('is usable with the keyboard alone: skip link, views by Tab and Enter, focus on the new view', { timeout: 30_000 }, async () => {
    await open('releases')
    await page.getByRole('heading', { name: 'Releases' }).waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(FOCUSED_TEXT)).toBe('Skip to content')
    const tabs: string[] = []
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab')
      tabs.push(await page.evaluate<string>(FOCUSED_TEXT))
    }
    expect(tabs).toEqual(['Releases', 'Pending work', 'Requests', 'Faults', 'Charts'])
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Pending work' }).waitFor()
    await waitForExpression(page, "document.activeElement?.tagName === 'H1'")
    // From the heading, Tab reaches the view's first control.
    await page.keyboard.press('Tab')
    expect(await page.evaluate("document.activeElement?.getAttribute('type')")).toBe('number')
  })

  it('has a label on every control and no WCAG A/AA violation in any view (axe-core)', { timeout: 90_000 }, async () => {
    const found: string[] = []
    for (const view of VIEWS) {
      await open(view)
      await page.locator('main h1').waitFor()
      await page.waitForLoadState('networkidle')
      const violations = await axeViolations(page)
      if (violations.length) found.push(`#/${view}:\n${describeViolations(violations)}`)
      // Every form control has an accessible name (axe checks too; this says which).
      const unnamed = await page.evaluate<string[]>(UNNAMED_CONTROLS)
      if (unnamed.length) found.push(`#/${view}: unlabelled ${unnamed.join(', ')}`)
    }
    expect(found.join('\n\n')).toBe('')
  })
})
