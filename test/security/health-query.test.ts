// Issue 13 finding 4: every query parameter of the unauthenticated endpoints is validated
// (400, never 500), over a real socket and without a token.
import t from 'tap'
import { startTestServer, vault } from '../helper.js'

t.test('sys/health status codes: out of range or malformed is 400, never 500', async (t) => {
  const { app } = await startTestServer(t)
  for (const bad of ['0', '-1', '99', '1e20', '600', '999', '1000', 'abc', '2.5', '0x1f', '%00', '200&activecode=201&standbycode=201&sealedcode=201&uninitcode=201&drsecondarycode=201&performancestandbycode=201']) {
    for (const param of ['activecode', 'standbycode', 'sealedcode', 'uninitcode', 'drsecondarycode', 'performancestandbycode']) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await vault(app, method, `/v1/sys/health?${param}=${bad}`, { token: null })
        t.equal(res.statusCode, 400, `${method} ${param}=${bad}`)
      }
    }
  }
  t.equal((await vault(app, 'GET', '/v1/sys/health?activecode=429', { token: null })).statusCode, 429)
  t.equal((await vault(app, 'GET', '/v1/sys/health?activecode=%2B201', { token: null })).statusCode, 201)
  t.equal((await vault(app, 'GET', '/v1/sys/health?standbyok=maybe&unknown=1', { token: null })).statusCode, 200, 'unknown and bool params are ignored as Vault')
  for (const path of ['/v1/sys/seal-status', '/v1/sys/leader', '/v1/sys/init', '/v1/sys/activation-flags', '/v1/sys/internal/specs/openapi']) {
    for (const query of ['?list=maybe', '?list=true', '?x=%zz', '?a[b]=1&a=2', `?${'p=1&'.repeat(2000)}`]) {
      const res = await vault(app, 'GET', `${path}${query}`, { token: null })
      t.ok(res.statusCode < 500, `${path}${query.slice(0, 20)} → ${res.statusCode}`)
    }
  }
  for (const query of ['?format=', '?format=bad', '?format=prometheus', '?format=%zz', '?format=json&format=prometheus', '?format[a]=1']) {
    const res = await vault(app, 'GET', `/v1/sys/metrics${query}`)
    t.ok(res.statusCode < 500, `sys/metrics${query} → ${res.statusCode}`)
  }
})
