// How `/ui/` is served (issue 20): off unless VAULT_SYNC_UI (or `-dev`) turns it on; the page,
// its modules and Pico CSS from the installed packages with a strict CSP; the API reference
// page keeps working without that CSP (swagger-ui needs inline code); Vault's API responses get
// none of the page's headers.
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { startTestServer, vault } from '../helper.js'

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
  t.notOk(docs.headers['content-security-policy'], 'the API reference page is outside the page\'s CSP')
  const api = await vault(app, 'GET', '/v1/sys/sync/config')
  t.equal(api.statusCode, 200)
  t.notOk(api.headers['content-security-policy'], 'Vault\'s API responses are unchanged')
  t.equal(api.headers['content-type'], 'application/json')
})
