// The running server serves its description (issue 7, decisions D-10, D-32.4): Vault's path
// `sys/internal/specs/openapi` without a token, as JSON with no envelope, equal to the
// checked-in openapi.yaml; and a browsable reference page at /ui/api-docs/, without a token.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { openApiFile } from '../../src/openapi/document-file.js'
import { startTestServer, vault } from '../helper.js'

t.test('GET /v1/sys/internal/specs/openapi answers openapi.yaml as JSON, unauthenticated', async (t) => {
  const { app } = await startTestServer(t)
  const res = await vault(app, 'GET', '/v1/sys/internal/specs/openapi', { token: null })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.same(res.json(), parse(readFileSync(openApiFile(), 'utf8')), 'the checked-in document, no envelope')
  t.ok(app.vaultRoutes.some((r) => r.url === '/v1/sys/internal/specs/openapi' && r.unauthenticated), 'registered as unauthenticated')
})

t.test('/ui/api-docs/ is a browsable reference page of the same document, unauthenticated', async (t) => {
  const { app, address } = await startTestServer(t)
  const page = await fetch(`${address}/ui/api-docs/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /^text\/html/)
  t.match(await page.text(), /swagger-ui/)
  const init = await fetch(`${address}/ui/api-docs/static/swagger-initializer.js`)
  t.equal(init.status, 200)
  t.match(init.headers.get('content-type'), /javascript/)
  const json = await fetch(`${address}/ui/api-docs/json`)
  t.equal(json.status, 200)
  t.same(await json.json(), parse(readFileSync(openApiFile(), 'utf8')), 'the page shows openapi.yaml')
  const ui = app.vaultRoutes.filter((r) => r.url.startsWith('/ui/api-docs'))
  t.ok(ui.length > 0 && ui.every((r) => r.unauthenticated), 'every page route needs no token (the route walk allows them)')
  t.ok(ui.every((r) => r.docs === undefined), 'and none is in openapi.yaml')
})
