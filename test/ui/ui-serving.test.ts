// How `/ui/` is served (issue 20): off unless VAULT_SYNC_UI (or `-dev`) turns it on; the page,
// its modules and Pico CSS from the installed packages with a strict CSP; the API reference
// page has its own CSP (swagger-ui sets inline styles) and renders in Chromium within it;
// Vault's API responses get none of the page's headers.
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { API_DOCS_PREFIX } from '../../routes/sys/openapi.js'
import { startTestServer, vault } from '../helper.js'
import { launchChromium, requireChromium } from './browser.js'

t.test('VAULT_SYNC_UI: off by default, on in -dev, a bad value names the variable', async (t) => {
  t.equal(loadConfig({}, {}).ui, false)
  t.equal(loadConfig({ uiDefault: true }, {}).ui, true, 'server -dev')
  t.equal(loadConfig({ uiDefault: true }, { VAULT_SYNC_UI: 'false' }).ui, false, 'an explicit setting wins over -dev')
  t.equal(loadConfig({}, { VAULT_SYNC_UI: 'true' }).ui, true)
  t.throws(() => loadConfig({}, { VAULT_SYNC_UI: 'maybe' }), /VAULT_SYNC_UI: "maybe" is not a boolean/)
})

t.test('without VAULT_SYNC_UI there is no page', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await app.inject({ url: '/ui/' })).statusCode, 404)
  t.equal((await app.inject({ url: '/ui/api-docs/' })).statusCode, 200, 'the API reference stays')
})

t.test('with VAULT_SYNC_UI=true: the page, vendored modules and a strict CSP', async (t) => {
  const { app } = await startTestServer(t, { VAULT_SYNC_UI: 'true' })
  const page = await app.inject({ url: '/ui/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<script type="module" src="js\/main.js"><\/script>/)
  t.notMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in the document')
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'(;|$)/)
  t.notMatch(csp, /unsafe-inline|unsafe-eval/)
  t.notOk(page.headers['strict-transport-security'], 'no HSTS on the plain-HTTP dev server')
  t.equal((await app.inject({ url: '/ui' })).headers.location, '/ui/')

  for (const [url, type] of [['/ui/vendor/preact/preact.module.js', /javascript/], ['/ui/vendor/hooks.js', /javascript/],
    ['/ui/vendor/htm/htm.module.js', /javascript/], ['/ui/vendor/pico/pico.min.css', /text\/css/], ['/ui/js/main.js', /javascript/], ['/ui/app.css', /text\/css/]] as const) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], type, `${url} type`)
    t.ok(res.headers['content-security-policy'], `${url} carries the CSP`)
  }
  t.match((await app.inject({ url: '/ui/vendor/hooks.js' })).body, /from"\.\/preact\/preact\.module\.js"/, 'hooks import the served Preact')
  for (const url of ['/ui/vendor/preact/preact.js', '/ui/vendor/preact/../package.json', '/ui/vendor/pico/pico.css', '/ui/vendor/htm/htm.js']) {
    t.equal((await app.inject({ url })).statusCode, 404, `${url}: only the files the page uses`)
  }
  const docs = await app.inject({ url: '/ui/api-docs/' })
  t.equal(docs.statusCode, 200)
  t.not(docs.headers['content-security-policy'], csp, 'the API reference page has its own CSP, not the page\'s')
  const api = await vault(app, 'GET', '/v1/sys/sync/config')
  t.equal(api.statusCode, 200)
  t.notOk(api.headers['content-security-policy'], 'Vault\'s API responses are unchanged')
  t.equal(api.headers['content-type'], 'application/json')
})

t.test('/ui/api-docs/: security headers and a CSP that allows no inline script, and the page renders within it', async (t) => {
  const { app, address } = await startTestServer(t)
  for (const url of [`${API_DOCS_PREFIX}/`, `${API_DOCS_PREFIX}/static/swagger-initializer.js`, `${API_DOCS_PREFIX}/json`]) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /default-src 'self'/, `${url}: CSP`)
    t.match(csp, /script-src 'self'(;|$)/, `${url}: scripts from the page only`)
    t.notMatch(csp, /unsafe-eval/, `${url}: no eval`)
    t.match(csp, /frame-ancestors 'none'/, `${url}: never framed`)
    t.equal(res.headers['x-frame-options'], 'DENY', url)
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.equal(res.headers['referrer-policy'], 'no-referrer', url)
  }
  // HEAD answers as its GET, without the content (the server makes no automatic HEAD routes).
  for (const url of [API_DOCS_PREFIX, `${API_DOCS_PREFIX}/`, `${API_DOCS_PREFIX}/json`, `${API_DOCS_PREFIX}/static/swagger-initializer.js`]) {
    const get = await app.inject({ url })
    const head = await app.inject({ method: 'HEAD', url })
    t.equal(head.statusCode, get.statusCode, `HEAD ${url}: status`)
    t.equal(head.body, '', `HEAD ${url}: no content`)
    t.equal(head.headers['content-type'], get.headers['content-type'], `HEAD ${url}: type`)
    t.equal(head.headers['content-length'], String(Buffer.byteLength(get.rawPayload)), `HEAD ${url}: length of the GET's content`)
    t.equal(head.headers['content-security-policy'], get.headers['content-security-policy'], `HEAD ${url}: CSP`)
  }
  if (!requireChromium(t)) return
  const browser = await launchChromium(t)
  const { page, log } = await browser.newPage()
  await page.goto(`${address}${API_DOCS_PREFIX}/`)
  await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 })
  t.match(await page.textContent('.swagger-ui .info .title'), /vault-sync API/, 'swagger-ui rendered the document')
  t.same(await log.cspViolations(), [], 'no CSP violation')
  t.same(log.pageErrors, [], 'no page error')
  t.ok(log.requests.every((u) => u.startsWith(address) || u.startsWith('data:')), 'no request leaves the server')
})
