// The operator page end to end (issue 20 Done-when): Debian's Chromium drives `/ui/` of a real
// `./bin/vault-sync server -dev` (free ports, built-in emulator). Sign in with the keyboard,
// create a destination through the form, sync secrets through the sync form, see SYNCED; turn on
// the emulator's firewall, "Sync now" one secret, see its error row first with the message; turn
// the firewall off, "Retry all errored", see SYNCED; unsync with confirmation. A read-only token
// sees no write buttons and a write from the page is refused by the server. Throughout: no CSP
// violation, no uncaught error, no request off the server's origin. Screenshots of the overview,
// a destination with an error and the form are taken every run; `npm run screenshots` sets
// VAULT_SYNC_SCREENSHOTS=docs/screenshots so they are written where the README shows them.
import t, { type Test } from 'tap'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, fetch as undiciFetch } from 'undici'
import type { Page } from 'playwright-core'
import { startDevProcess, type DevProcess } from '../../src/demo/dev-process.js'
import { launchChromium, requireChromium } from './browser.js'

const SHOTS = process.env.VAULT_SYNC_SCREENSHOTS

/** Vault API call with a token, from the test (set-up only: the page does the work). */
async function vault (dev: DevProcess, method: string, path: string, body?: unknown, token = dev.info.root_token): Promise<{ status: number, json: any }> {
  const res = await fetch(`${dev.info.address}/v1/${path}`, { method, headers: { 'x-vault-token': token }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, json: text === '' ? null : JSON.parse(text) }
}

/** The emulator's admin API (HTTPS, its own CA). */
async function emulatorAdmin (dev: DevProcess, method: string, path: string, body?: unknown): Promise<number> {
  const akv = dev.info.akv!
  const dispatcher = new Agent({ connect: { ca: readFileSync(akv.ca_file) } })
  try {
    const res = await undiciFetch(`${akv.admin_url}${path}`, {
      method, dispatcher, headers: { authorization: `Bearer ${akv.admin_token}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
    })
    await res.arrayBuffer()
    return res.status
  } finally {
    await dispatcher.close()
  }
}

async function shot (t: Test, page: Page, name: string): Promise<void> {
  const buf = await page.screenshot({ fullPage: true })
  t.ok(buf.subarray(1, 4).toString() === 'PNG' && buf.length > 10_000, `screenshot ${name} is a PNG`)
  if (SHOTS !== undefined) {
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ fullPage: true, path: join(SHOTS, `${name}.png`) })
  }
}

/** Controls on the page without a label (a <label for>, an enclosing label or aria-label). */
const unlabelled = async (page: Page): Promise<string[]> => await page.evaluate(() =>
  Array.from(document.querySelectorAll('input, select, textarea')).filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.hasAttribute('aria-label')).map((el) => el.outerHTML))

/**
 * Script setting the page's `document.visibilityState` and firing `visibilitychange` (a visible
 * page polls at once). A string, not a function: tsx (esbuild, keepNames) wraps named functions
 * in the test's own `__name` helper, which the page does not have.
 */
const pageVisibility = (state: 'hidden' | 'visible'): string =>
  `Object.defineProperty(document, 'visibilityState', { configurable: true, get () { return '${state}' } }); document.dispatchEvent(new Event('visibilitychange'))`

/** What has focus in the page: its data-testid, else its tag and accessible label. */
const focused = async (page: Page): Promise<string> => await page.evaluate(() => {
  const el = document.activeElement
  return el === null ? 'none' : el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}${el.getAttribute('aria-label') !== null ? ` ${el.getAttribute('aria-label')}` : ''}`
})

const row = (page: Page, secret: string) => page.locator('tr[data-testid="association-row"]', { has: page.locator('th', { hasText: `secret/${secret}` }) })
const WAIT = { timeout: 30_000 }

t.test('the operator page drives secrets sync end to end', async (t) => {
  if (!requireChromium(t)) return
  const dev = await startDevProcess({ env: { VAULT_SYNC_LOG_LEVEL: 'error' } })
  t.teardown(async () => { await dev.stop() })
  const origin = dev.info.address
  const akv = dev.info.akv!
  for (const [path, data] of [['app/alpha', { user: 'a', password: 'alpha-secret-value' }], ['app/zeta', { password: 'zeta-secret-value' }]] as const) {
    t.equal((await vault(dev, 'POST', `secret/data/${path}`, { data })).status, 200, `KV secret ${path}`)
  }
  const browser = await launchChromium(t)
  const { page, log } = await browser.newPage()
  /** A new tab (its own sessionStorage) signed in with `token` through the form. */
  const signedInTab = async (token: string): Promise<Awaited<ReturnType<typeof browser.newPage>>> => {
    const tab = await browser.newPage()
    await tab.page.goto(`${origin}/ui/`)
    await tab.page.getByLabel('Token').fill(token)
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    return tab
  }

  await t.test('the served CSP forbids inline script and eval', async (t) => {
    const res = await fetch(`${origin}/ui/`)
    const csp = res.headers.get('content-security-policy') ?? ''
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]))
    t.same(directives.get('default-src'), ["'self'"])
    t.same(directives.get('script-src'), ["'self'"], 'scripts: same origin only')
    t.same(directives.get('script-src-attr'), ["'none'"], 'no inline event handlers')
    t.same(directives.get('connect-src'), ["'self'"])
    t.notMatch(csp, /unsafe-inline|unsafe-eval|nonce-|sha256-/, 'no inline script, no eval, no hash or nonce exceptions')
    t.equal(res.headers.get('x-content-type-options'), 'nosniff')
  })

  await t.test('sign in with the keyboard only', async (t) => {
    await page.goto(`${origin}/ui/`)
    await page.getByLabel('Token').waitFor(WAIT)
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'token', 'Tab reaches the token field first')
    await page.keyboard.type(dev.info.root_token)
    await page.keyboard.press('Enter')
    await page.getByTestId('who').waitFor(WAIT)
    t.match(await page.getByTestId('who').innerText(), /Signed in as root · policies: root/)
    t.equal(await page.evaluate(() => sessionStorage.getItem('vault-sync-token')), dev.info.root_token, 'token in sessionStorage')
    t.notOk(page.url().includes(dev.info.root_token), 'never in the URL')
    t.same((await page.context().cookies()).length, 0, 'no cookie')
    await page.getByTestId('empty-state').waitFor(WAIT)
    t.match(await page.getByTestId('empty-state').innerText(), /associations\/set/, 'the empty state shows the curl steps')
  })

  await t.test('create a destination through the form', async (t) => {
    await page.getByTestId('new-destination').click()
    await page.getByLabel('Name', { exact: true }).fill('team-a')
    await page.getByLabel('key_vault_uri').fill(akv.key_vault_uri)
    await page.getByLabel('tenant_id').fill(akv.tenant_id)
    await page.getByLabel('client_id').fill(akv.client_id)
    await page.getByLabel('client_secret').fill(akv.client_secret)
    await page.getByLabel('secret_name_template').fill('vault-{{ .MountPath }}-{{ .SecretPath }}')
    await page.getByTestId('name-preview').filter({ hasText: 'vault-secret-my-app-db-password' }).waitFor(WAIT)
    await page.getByLabel('secret_name_template').fill('{{ .SecretPath }}')
    await page.getByTestId('name-preview').filter({ hasText: 'Azure name: my-app-db-password' }).waitFor(WAIT)
    t.pass('the Azure name preview follows the template')
    t.same(await unlabelled(page), [], 'every control of the form has a label')
    await shot(t, page, 'destination-form')
    await page.getByRole('button', { name: 'Create destination' }).click()
    await page.getByTestId('no-associations').waitFor(WAIT)
    const read = await vault(dev, 'GET', 'sys/sync/destinations/azure-kv/team-a')
    t.equal(read.json.data.connection_details.key_vault_uri, akv.key_vault_uri)
    t.equal(read.json.data.options.secret_name_template, '{{ .SecretPath }}')
    // Network rules the form does not show (set through the API) survive a save of the form.
    const rules = { key_vault_uri: akv.key_vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, secret_name_template: '{{ .SecretPath }}', allowed_ipv4_addresses: ['127.0.0.0/8'] }
    t.equal((await vault(dev, 'POST', 'sys/sync/destinations/azure-kv/team-a', rules)).status, 200)
    await page.getByRole('button', { name: 'Edit destination' }).click()
    await page.getByLabel('client_id').waitFor(WAIT)
    t.equal(await page.getByLabel('client_secret').inputValue(), '', 'the stored client secret is never echoed back')
    t.notOk((await page.content()).includes(akv.client_secret), 'nor anywhere in the page')
    await page.getByLabel('custom_tags').fill('team=a')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByTestId('no-associations').waitFor(WAIT)
    const saved = (await vault(dev, 'GET', 'sys/sync/destinations/azure-kv/team-a')).json.data.options
    t.same(saved.custom_tags, { team: 'a' }, 'the form saved its tags')
    t.same(saved.allowed_ipv4_addresses, ['127.0.0.0/8'], 'and kept the network rules it does not show')
  })

  await t.test('sync secrets through the sync form and see them SYNCED', async (t) => {
    for (const secret of ['app/alpha', 'app/zeta']) {
      await page.getByTestId('sync-secret').click()
      await page.getByLabel('Mount (KV version 2)').selectOption('secret')
      await page.getByLabel('Secret path').fill('app/')
      await page.locator('#secret-suggestions option[value="app/zeta"]').waitFor({ state: 'attached', ...WAIT })
      t.pass('KV LIST suggestions offer the secrets under app/')
      await page.getByLabel('Secret path').fill(secret)
      await page.getByRole('button', { name: 'Sync', exact: true }).click()
      await row(page, secret).locator('[data-status="SYNCED"]').waitFor(WAIT)
    }
    t.equal(await row(page, 'app/zeta').locator('code').innerText(), 'app-zeta', 'the Azure name is shown')
    t.same(await unlabelled(page), [], 'every control of the destination view has a label')
    t.notOk((await page.content()).includes('secret-value'), 'no secret value on screen')
    // A second, healthy destination (through the API) whose name sorts first.
    const created = await vault(dev, 'POST', 'sys/sync/destinations/azure-kv/analytics', { key_vault_uri: akv.key_vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, client_secret: akv.client_secret })
    t.equal(created.status, 200, 'second destination')
    t.equal((await vault(dev, 'POST', 'sys/sync/destinations/azure-kv/analytics/associations/set', { mount: 'secret', secret_name: 'app/alpha' })).status, 200)
    for (let i = 0; ; i++) {
      const list = await vault(dev, 'GET', 'sys/sync/destinations/azure-kv/analytics/associations')
      if (Object.values(list.json.data.associated_secrets as Record<string, { sync_status: string }>).every((e) => e.sync_status === 'SYNCED')) break
      if (i > 300) throw new Error('analytics did not sync')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })

  await t.test('a broken destination shows the error row first, with its message', async (t) => {
    t.equal(await emulatorAdmin(dev, 'PATCH', '/vaults/vault1/settings', { policy: { firewall: { enabled: true, allow: ['192.0.2.1'] } } }), 200, 'firewall on')
    await row(page, 'app/zeta').getByRole('button', { name: 'Sync now' }).click()
    const errorRow = page.locator('tr[data-testid="association-row"]').first()
    await errorRow.locator('[data-status="CLIENT_SIDE_ERROR"]').waitFor(WAIT)
    t.match(await errorRow.locator('th').innerText(), /secret\/app\/zeta/, 'the error row comes first although it sorts last')
    t.match(await errorRow.getByTestId('message').innerText(), /ForbiddenByFirewall|not authorized/i, 'with the error message')
    await shot(t, page, 'destination-error')
    const rows = page.locator('tr[data-testid="association-row"]')
    await page.getByLabel('Status').selectOption('errors')
    t.equal(await rows.count(), 1, 'the Errors filter keeps the error row only')
    await page.getByLabel('Status').selectOption('SYNCED')
    t.match(await rows.first().innerText(), /app\/alpha/, 'a status filter')
    await page.getByLabel('Status').selectOption('all')
    await page.getByLabel('Secret or Azure name contains').fill('zeta')
    t.equal(await rows.count(), 1, 'the name filter')
    t.match(await rows.first().innerText(), /app\/zeta/)
    await page.getByLabel('Secret or Azure name contains').fill('')
    await page.getByRole('link', { name: 'Overview' }).first().click()
    await page.getByTestId('destination-row').nth(1).waitFor(WAIT)
    t.match(await page.getByTestId('destination-row').first().innerText(), /team-a[\s\S]*CLIENT_SIDE_ERROR/, 'the destination with the error comes first')
    t.match(await page.getByTestId('destination-row').nth(1).innerText(), /analytics/)
    t.match(await page.getByTestId('total-errors').innerText(), /^1/, 'the overview counts the error')
    await shot(t, page, 'overview')
    await page.emulateMedia({ colorScheme: 'dark' })
    await shot(t, page, 'overview-dark')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.getByRole('link', { name: 'team-a' }).click()
  })

  await t.test('fixed, "Retry all errored" brings it back to SYNCED; then unsync', async (t) => {
    t.equal(await emulatorAdmin(dev, 'PATCH', '/vaults/vault1/settings', { policy: { firewall: { enabled: false } } }), 200, 'firewall off')
    await page.getByTestId('retry-errored').click()
    await row(page, 'app/zeta').locator('[data-status="SYNCED"]').waitFor(WAIT)
    t.equal(await page.getByTestId('retry-errored').count(), 0, 'nothing errored is left')
    const confirmFocused = async (): Promise<void> => {
      // Focus moves once the confirmation has rendered: wait for it (bounded), then assert.
      await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'confirm-unsync', null, WAIT).catch(() => {})
      t.equal(await focused(page), 'confirm-unsync', 'focus moves to the confirmation')
    }
    await row(page, 'app/zeta').getByRole('button', { name: 'Unsync' }).click()
    await confirmFocused()
    await page.keyboard.press('Escape')
    await page.getByTestId('confirm-unsync').waitFor({ state: 'detached', ...WAIT })
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Unsync secret/app/zeta', null, WAIT).catch(() => {})
    t.equal(await focused(page), 'button Unsync secret/app/zeta', 'Escape cancels; focus is back on the Unsync button')
    await page.keyboard.press('Enter')
    await confirmFocused()
    await page.keyboard.press('Enter')
    await row(page, 'app/zeta').locator('[data-status="UNSYNCED"]').waitFor(WAIT)
    t.notOk(['body', 'none'].includes(await focused(page)), 'focus is not lost to <body>')
    t.match(await focused(page), /^(associations|button (Sync now|Unsync) secret\/app\/zeta)$/, 'after the unsync, focus is on the table (or the row), not lost to <body>')
    t.equal(await row(page, 'app/zeta').getByRole('button', { name: 'Unsync' }).count(), 0, 'an UNSYNCED row offers no Unsync')
    const assoc = await vault(dev, 'GET', 'sys/sync/destinations/azure-kv/team-a/associations')
    const zeta = Object.values(assoc.json.data.associated_secrets as Record<string, { secret_name: string, sync_status: string }>).find((e) => e.secret_name === 'app/zeta')
    t.equal(zeta?.sync_status, 'UNSYNCED', 'the server agrees')
  })

  await t.test('a rule-made row is marked, and "Sync now" asks before detaching it from its rule', async (t) => {
    t.equal((await vault(dev, 'POST', 'secret/data/ruled/one', { data: { password: 'ruled-secret-value' } })).status, 200)
    t.equal((await vault(dev, 'POST', 'sys/sync-ext/destinations/azure-kv/team-a/rules/ruled-rule', { mount: 'secret', path_prefix: 'ruled/' })).status, 200, 'rule created')
    // Settled first (a row that moves while re-sorted would take the focus with it), then read at once.
    for (let i = 0; ; i++) {
      const list = await vault(dev, 'GET', 'sys/sync/destinations/azure-kv/team-a/associations')
      if (Object.values(list.json.data.associated_secrets as Record<string, { secret_name: string, sync_status: string }>).some((e) => e.secret_name === 'ruled/one' && e.sync_status === 'SYNCED')) break
      if (i > 300) throw new Error('ruled/one did not sync')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await page.evaluate(pageVisibility('visible'))
    await row(page, 'ruled/one').getByTestId('rule-origin').filter({ hasText: 'made by rule ruled-rule' }).waitFor(WAIT)
    await row(page, 'ruled/one').locator('[data-status="SYNCED"]').waitFor(WAIT)
    t.equal(await row(page, 'app/alpha').getByTestId('rule-origin').count(), 0, 'a row set by hand has no rule mark')
    const rulesOf = async (): Promise<string[] | undefined> => {
      const status = (await vault(dev, 'GET', 'sys/sync-ext/status')).json.data
      const dest = status.destinations.find((d: { name: string }) => d.name === 'team-a')
      return dest.associations.find((e: { secret_name: string }) => e.secret_name === 'ruled/one')?.rules
    }
    await row(page, 'ruled/one').getByRole('button', { name: 'Sync now' }).click()
    const question = page.getByTestId('confirm-sync-group')
    await question.waitFor(WAIT)
    t.match(await question.innerText(), /detached from rule ruled-rule/, 'the confirmation names the rule it detaches from')
    t.same(await unlabelled(page), [], 'every control still has a label')
    await page.keyboard.press('Escape')
    await question.waitFor({ state: 'detached', ...WAIT })
    t.same(await rulesOf(), ['ruled-rule'], 'cancelled: still the rule\'s')
    await row(page, 'ruled/one').getByRole('button', { name: 'Sync now' }).click()
    await page.getByTestId('confirm-sync').click()
    await page.getByTestId('status-line').filter({ hasText: 'Sync now secret/ruled/one: done.' }).waitFor(WAIT)
    t.same(await rulesOf(), [], 'confirmed: the association is the user\'s own now')
    await row(page, 'ruled/one').waitFor(WAIT)
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('[data-testid="rule-origin"]')).some((e) => e.textContent?.includes('ruled-rule')), null, WAIT)
    t.pass('and the mark is gone')
  })

  await t.test('a read-only token sees no write buttons, and a write from the page is refused', async (t) => {
    const policy = 'path "sys/sync/*" { capabilities = ["read", "list"] }\npath "sys/sync-ext/status" { capabilities = ["read"] }\npath "sys/mounts" { capabilities = ["read"] }'
    t.equal((await vault(dev, 'PUT', 'sys/policies/acl/ui-read-only', { policy })).status, 204)
    const token = (await vault(dev, 'POST', 'auth/token/create', { policies: ['ui-read-only'], ttl: '1h' })).json.auth.client_token as string
    const ro = await signedInTab(token)
    await ro.page.getByTestId('destination-row').first().waitFor(WAIT)
    t.match(await ro.page.getByTestId('who').innerText(), /policies: default, ui-read-only/)
    t.equal(await ro.page.getByTestId('new-destination').count(), 0, 'no "New destination"')
    t.equal(await ro.page.getByTestId('sync-secret').count(), 0, 'no "Sync a secret" on the overview')
    // The edit form by its URL: refused in plain words, no form to fill in vain.
    await ro.page.goto(`${origin}/ui/#/destinations/azure-kv/team-a/edit`)
    await ro.page.getByTestId('form-denied').waitFor(WAIT)
    t.match(await ro.page.getByTestId('form-denied').innerText(), /^Your token may not change this destination/)
    t.equal(await ro.page.getByRole('button', { name: 'Save' }).count(), 0, 'no Save button')
    await ro.page.goto(`${origin}/ui/#/new`)
    await ro.page.getByTestId('form-denied').filter({ hasText: 'Your token may not create destinations' }).waitFor(WAIT)
    await ro.page.goto(`${origin}/ui/#/`)
    await ro.page.getByRole('link', { name: 'team-a' }).click()
    await row(ro.page, 'app/alpha').waitFor(WAIT)
    for (const name of ['Sync now', 'Unsync', 'Edit destination', 'Sync a secret']) {
      t.equal(await ro.page.getByRole('button', { name }).count() + await ro.page.getByRole('link', { name }).count(), 0, `no "${name}"`)
    }
    t.equal(await ro.page.getByTestId('retry-errored').count(), 0, 'no "Retry all errored"')
    const status = await ro.page.evaluate(async () => {
      const res = await fetch('/v1/sys/sync/destinations/azure-kv/team-a/associations/set', {
        method: 'POST', headers: { 'X-Vault-Token': sessionStorage.getItem('vault-sync-token') ?? '' }, body: JSON.stringify({ mount: 'secret', secret_name: 'app/alpha' })
      })
      return { status: res.status, body: await res.json() }
    })
    t.equal(status.status, 403, 'the server refuses the write')
    t.match(status.body.errors[0], /permission denied/)
    t.same(ro.log.pageErrors, [], 'no uncaught error (read-only tab)')
    t.same(await ro.log.cspViolations(), [], 'no CSP violation (read-only tab)')
    t.same(ro.log.requests.filter((u) => new URL(u).origin !== origin && !u.startsWith('data:')), [], 'read-only tab: same origin only')
  })

  await t.test('an expired token sends the tab back to the sign-in form', async (t) => {
    const created = Date.now()
    const token = (await vault(dev, 'POST', 'auth/token/create', { policies: ['ui-read-only'], ttl: '3s' })).json.auth.client_token as string
    const tab = await signedInTab(token)
    await tab.page.getByTestId('destination-row').first().waitFor(WAIT)
    await tab.page.waitForTimeout(Math.max(0, created + 3_300 - Date.now()))
    await tab.page.evaluate(pageVisibility('visible'))
    await tab.page.getByText('Your token is no longer valid').waitFor(WAIT)
    t.ok(await tab.page.getByLabel('Token').isVisible(), 'the sign-in form is back')
    t.equal(await tab.page.evaluate(() => sessionStorage.getItem('vault-sync-token')), null, 'the token is gone from sessionStorage')
    t.same(tab.log.pageErrors, [])
  })

  await t.test('without the status extension the page still lists the destinations', async (t) => {
    t.equal((await vault(dev, 'PUT', 'sys/policies/acl/ui-no-ext', { policy: 'path "sys/sync/*" { capabilities = ["read", "list"] }' })).status, 204)
    const token = (await vault(dev, 'POST', 'auth/token/create', { policies: ['ui-no-ext'], ttl: '1h' })).json.auth.client_token as string
    const tab = await signedInTab(token)
    await tab.page.getByRole('alert').filter({ hasText: 'your token may not read sys/sync-ext/status' }).waitFor(WAIT)
    await tab.page.getByRole('link', { name: 'team-a' }).click()
    await row(tab.page, 'app/alpha').locator('[data-status="SYNCED"]').waitFor(WAIT)
    t.pass('Vault\'s own API is enough for the destination view')
    t.same(tab.log.pageErrors, [])
    t.same(await tab.log.cspViolations(), [])
  })

  await t.test('a purge in progress shows Vault\'s banner and hides the actions', async (t) => {
    const patch = async (disabled: boolean): Promise<number> => (await fetch(`${origin}/v1/sys/sync/config`, {
      method: 'PATCH', headers: { 'x-vault-token': dev.info.root_token, 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ disabled })
    })).status
    t.equal(await patch(true), 200, 'sync disabled: the purge waits')
    t.equal((await vault(dev, 'DELETE', 'sys/sync/destinations/azure-kv/analytics?purge=true')).status, 204)
    await page.goto(`${origin}/ui/#/destinations/azure-kv/analytics`)
    await page.getByTestId('purge-banner').waitFor(WAIT)
    t.match(await page.getByTestId('purge-banner').innerText(), /^Deletion in progress\s+Purge initiated on \w{3} \d{2}, \d{4} at \d{2}:\d{2}:\d{2} [ap]m\. This process may take some time depending on how many secrets must be un-synced from this destination\.$/)
    await row(page, 'app/alpha').locator('[data-status="UNSYNCING"]').waitFor(WAIT)
    t.equal(await page.getByRole('button', { name: 'Sync now' }).count(), 0, 'no Sync now while purging')
    t.equal(await page.getByRole('button', { name: 'Edit destination' }).count(), 0, 'no Edit while purging')
    await page.getByRole('link', { name: 'Overview' }).first().click()
    await page.getByTestId('queue').filter({ hasText: 'paused (sync disabled)' }).waitFor(WAIT)
    t.pass('the overview says the worker is paused')
    t.equal(await patch(false), 200, 'sync enabled again')
  })

  await t.test('polling pauses while the page is hidden', async (t) => {
    const statusReads = (): number => log.requests.filter((u) => u.endsWith('/v1/sys/sync-ext/status')).length
    await page.getByTestId('destination-row').first().waitFor(WAIT)
    await page.evaluate(pageVisibility('hidden'))
    const before = statusReads()
    await page.waitForTimeout(6_000)
    t.equal(statusReads(), before, 'no status read while hidden (the interval is 5 s)')
    await page.evaluate(pageVisibility('visible'))
    await page.waitForRequest((r) => r.url().endsWith('/v1/sys/sync-ext/status'), WAIT)
    t.pass('shown again, it reads at once')
  })

  await t.test('an unreachable server: stale data is marked, then the page recovers', async (t) => {
    await page.getByTestId('new-destination').waitFor(WAIT)
    const newest = page.getByTestId('destination-row').first().locator('time')
    await page.route('**/v1/**', async (route) => { await route.abort('connectionrefused') })
    await page.evaluate(pageVisibility('visible'))
    const banner = page.getByTestId('stale-banner')
    await banner.waitFor(WAIT)
    t.match(await banner.innerText(), /^Server unreachable since \d\d:\d\d:\d\d — showing data from \d\d:\d\d:\d\d/, 'the banner says since when, and from when the data is')
    const frozen = await newest.innerText()
    await page.waitForTimeout(1_100)
    await page.evaluate(pageVisibility('visible'))
    t.equal(await newest.innerText(), frozen, '"Newest change" ages stop while the data is stale')
    // A view opened while the server is down: a plain message, and no capability yet.
    await page.getByRole('link', { name: 'team-a' }).click()
    await page.getByRole('alert').filter({ hasText: 'Cannot reach the server' }).waitFor(WAIT)
    await page.getByRole('link', { name: 'Back to the overview' }).click()
    await page.getByTestId('overview-error').filter({ hasText: 'cannot reach the server' }).waitFor(WAIT)
    t.equal(await page.getByTestId('new-destination').count(), 0, 'no "New destination" while its capability is unknown')
    await page.unroute('**/v1/**')
    await page.evaluate(pageVisibility('visible'))
    await page.getByTestId('new-destination').waitFor(WAIT)
    t.pass('back: the capability is checked again and "New destination" is offered')
    t.equal(await page.getByTestId('stale-banner').count(), 0, 'no banner once the data is current')
  })

  t.same(log.pageErrors, [], 'no uncaught error in the page')
  t.same(await log.cspViolations(), [], 'no CSP violation')
  const offOrigin = log.requests.filter((u) => new URL(u).origin !== origin && !u.startsWith('data:'))
  t.same(offOrigin, [], 'every request went to the server\'s own origin')
  t.ok(log.requests.some((u) => u.includes('/v1/sys/sync-ext/status')), 'the page read the status extension')
  t.ok(log.requests.some((u) => u.includes('/ui/vendor/preact/preact.module.js')), 'Preact came from the server')
})
