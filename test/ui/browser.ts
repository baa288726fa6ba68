/**
 * Debian's chromium, driven by playwright-core (no browser download). The browser tier runs when
 * chromium is installed; outside CI a missing browser skips it with a message, under CI=true it
 * fails (`.ci/run` installs chromium with apt-get when it is missing).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const CANDIDATES = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p)

/** The chromium executable, or null. */
export const chromiumPath: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null

export const underCi = process.env.CI === 'true' || process.env.CI === '1'

export const MISSING_BROWSER = `chromium not found (looked at ${CANDIDATES.join(', ')}): the dashboard's browser tests are skipped. Install it with \`apt-get install -y chromium\` (or set CHROMIUM=/path/to/chromium); under CI=true this is a failure.`

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: Array<{ target: string[]; failureSummary?: string }>
}

/** Runs axe-core in the page (WCAG 2 A and AA rules, and best practices) and returns the violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // In-page code is passed as text: the project compiles without the DOM library.
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(readFileSync(AXE, 'utf8'))
  return page.evaluate(`(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }))
  })()`)
}

/**
 * Polls an in-page expression until it is truthy. page.waitForFunction would compile the text
 * in the page, which its CSP forbids (no 'unsafe-eval'); evaluate goes through DevTools instead.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await page.evaluate(expression))) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export const describeViolations = (vs: AxeViolation[]) =>
  vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`).join('\n')
