/**
 * Debian's Chromium driven by `playwright-core` for the `/ui/` tests (issue 20, round2.md R2-7):
 * headless, no sandbox (CI runs as root), no background networking, a fresh profile per launch.
 * Every page records its requests, CSP violations (a listener installed before any page script)
 * and uncaught errors, so a test can assert the page stayed on its origin and within its CSP.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM = '/usr/bin/chromium'

/** The flags of the brief: no first-run, sync, component updates or other background traffic. */
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * True when Chromium is installed. Otherwise: with `CI=true` the test fails (never skips);
 * elsewhere it skips with the install line.
 */
export function requireChromium (t: Test): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') t.fail(`${CHROMIUM} is missing: apt-get install -y chromium`)
  else t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium)`, async () => {})
  return false
}

/** What a watched page saw. */
export interface PageLog {
  requests: string[]
  pageErrors: string[]
  /** CSP violations: from the DOM event and from the console. */
  cspViolations: () => Promise<string[]>
}

export interface UiBrowser {
  /** A new tab (its own sessionStorage), watched. */
  newPage: () => Promise<{ page: Page, log: PageLog, context: BrowserContext }>
}

/** Launches Chromium with a fresh `--user-data-dir`; closed (and the profile removed) when `t` ends. */
export async function launchChromium (t: Test): Promise<UiBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'vault-sync-chromium-'))
  // A persistent context is how playwright passes a user data dir; its first page is unused.
  const context0 = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light'
  })
  t.teardown(async () => {
    await context0.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return {
    newPage: async () => {
      // sessionStorage belongs to a tab: each new page starts signed out.
      const context = context0
      const page = await context.newPage()
      const log: PageLog = { requests: [], pageErrors: [], cspViolations: async () => [] }
      const consoleCsp: string[] = []
      await page.addInitScript(() => {
        const w = window as unknown as { __csp: string[] }
        w.__csp = []
        document.addEventListener('securitypolicyviolation', (e) => { w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`) })
      })
      page.on('request', (r) => { log.requests.push(r.url()) })
      page.on('pageerror', (e) => { log.pageErrors.push(e.message) })
      page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text()) })
      log.cspViolations = async () => [...consoleCsp, ...await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)]
      return { page, log, context }
    }
  }
}
