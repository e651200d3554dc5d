// The exact request sequences the Vault CLI sends for `vault kv …` (spec/vault-core-kv-api.md §6),
// preflight included, over one real keep-alive connection with the Go client's headers (no
// Content-Type on JSON bodies, X-Vault-Request on every request).
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { ROOT_TOKEN, startTestServer } from '../../helper.js'
import { rawExchange, rawRequest, type RawResponse } from '../../raw-http.js'
import { RFC3339 } from './kv-test-client.js'

const GO = { 'X-Vault-Request': 'true', 'X-Vault-Token': ROOT_TOKEN, 'User-Agent': 'Vault/v1.21.0 (+https://www.vaultproject.io/; go1.24.0)', 'Accept-Encoding': 'gzip' }
const preflight = (arg: string): string => rawRequest('GET', `/v1/sys/internal/ui/mounts/${arg}`, GO)
const body = (r: RawResponse): any => JSON.parse(r.body)

t.test('vault kv put / get -version=1 / list / patch / metadata delete', async (t) => {
  const server = await startTestServer(t)
  const { port } = server.app.server.address() as AddressInfo
  const send = async (...reqs: string[]): Promise<RawResponse[]> => await rawExchange(port, reqs)
  const checkPreflight = (r: RawResponse): void => {
    t.equal(r.status, 200)
    const d = body(r).data
    t.equal(d.path, 'secret/')
    t.same(d.options, { version: '2' })
    t.equal(d.type, 'kv')
  }

  // vault kv put secret/foo a=b   (and again: -mount=secret dir/x a=b, to have a folder)
  const [pf1, put, pf1b, put2] = await send(
    preflight('secret/foo'),
    rawRequest('PUT', '/v1/secret/data/foo', GO, '{"data":{"a":"b"},"options":{}}'),
    preflight('secret/'),
    rawRequest('PUT', '/v1/secret/data/dir/x', GO, '{"data":{"a":"b"},"options":{}}')
  )
  checkPreflight(pf1)
  checkPreflight(pf1b)
  t.equal(put.status, 200)
  t.equal(put.headers['content-type'], 'application/json')
  t.equal(body(put).data.version, 1)
  t.match(body(put).data.created_time, RFC3339)
  t.equal(put2.status, 200)

  // a second put so that -version=1 differs from the latest
  await send(rawRequest('PUT', '/v1/secret/data/foo', GO, '{"data":{"a":"B2"},"options":{"cas":1}}'))

  // vault kv get -version=1 secret/foo
  const [pf2, get] = await send(preflight('secret/foo'), rawRequest('GET', '/v1/secret/data/foo?version=1', GO))
  checkPreflight(pf2)
  t.equal(get.status, 200)
  t.same(body(get).data.data, { a: 'b' })
  t.equal(body(get).data.metadata.version, 1)
  t.equal(body(get).data.metadata.deletion_time, '')

  // vault kv list secret/   and   vault kv list secret/dir
  const [pf3, list, pf4, listDir] = await send(
    preflight('secret/'),
    rawRequest('GET', '/v1/secret/metadata?list=true', GO),
    preflight('secret/dir'),
    rawRequest('GET', '/v1/secret/metadata/dir?list=true', GO)
  )
  checkPreflight(pf3)
  checkPreflight(pf4)
  t.same(body(list).data.keys, ['dir/', 'foo'])
  t.same(body(listDir).data.keys, ['x'])

  // vault kv patch secret/foo a=c   (PATCH), then the CLI's read+write fallback shape
  const [pf5, patch] = await send(
    preflight('secret/foo'),
    rawRequest('PATCH', '/v1/secret/data/foo', { ...GO, 'Content-Type': 'application/merge-patch+json' }, '{"data":{"a":"c"},"options":{}}')
  )
  checkPreflight(pf5)
  t.equal(patch.status, 200)
  t.equal(body(patch).data.version, 3)
  const [read, fallbackWrite, after] = await send(
    rawRequest('GET', '/v1/secret/data/foo', GO),
    rawRequest('PUT', '/v1/secret/data/foo', GO, '{"data":{"a":"c","z":"1"},"options":{"cas":3}}'),
    rawRequest('GET', '/v1/secret/data/foo', GO)
  )
  t.equal(body(read).data.metadata.version, 3)
  t.same(body(read).data.data, { a: 'c' })
  t.equal(body(fallbackWrite).data.version, 4)
  t.same(body(after).data.data, { a: 'c', z: '1' })

  // vault kv delete -versions=1,2 / undelete / destroy send string versions
  const [del, undel, destroy] = await send(
    rawRequest('PUT', '/v1/secret/delete/foo', GO, '{"versions":["1","2"]}'),
    rawRequest('PUT', '/v1/secret/undelete/foo', GO, '{"versions":["2"]}'),
    rawRequest('PUT', '/v1/secret/destroy/foo', GO, '{"versions":["1"]}')
  )
  t.same([del.status, undel.status, destroy.status], [204, 204, 204])
  t.equal(del.body, '')

  // vault kv metadata delete secret/foo, then vault kv get secret/foo → "No value found"
  const [pf6, mdel, gone, listAfter] = await send(
    preflight('secret/foo'),
    rawRequest('DELETE', '/v1/secret/metadata/foo', GO),
    rawRequest('GET', '/v1/secret/data/foo', GO),
    rawRequest('GET', '/v1/secret/metadata?list=true', GO)
  )
  checkPreflight(pf6)
  t.equal(mdel.status, 204)
  t.equal(gone.status, 404)
  t.same(body(gone), { errors: [] })
  t.same(body(listAfter).data.keys, ['dir/'])
})
