// The LIST verb over a real socket (inject() bypasses the socket layer): spec/vault-core-kv-api.md §1.2.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { ROOT_TOKEN, startTestServer } from '../../helper.js'
import { rawExchange, rawPipeline, rawRequest } from '../../raw-http.js'

const auth = { 'X-Vault-Token': ROOT_TOKEN }
const strip = (body: string): unknown => {
  const parsed = JSON.parse(body) as Record<string, unknown>
  delete parsed.request_id
  return parsed
}

t.test('LIST is answered exactly like GET ?list=true', async (t) => {
  const server = await startTestServer(t)
  const { port } = server.app.server.address() as AddressInfo
  const [list, get, listQuery] = await rawExchange(port, [
    rawRequest('LIST', '/v1/sys/mounts', auth),
    rawRequest('GET', '/v1/sys/mounts?list=true', auth),
    rawRequest('LIST', '/v1/sys/mounts?foo=1', auth)
  ])
  t.equal(list.status, get.status)
  t.equal(list.status, 404, 'sys/mounts has no list operation: unsupported path, as Vault')
  t.same(strip(list.body), strip(get.body))
  t.same(strip(listQuery.body), strip(get.body))
  t.equal(list.headers['content-type'], 'application/json')
})

t.test('a keep-alive chain POST, LIST, GET on one connection', async (t) => {
  const server = await startTestServer(t)
  const { port } = server.app.server.address() as AddressInfo
  // The POST body contains a fake LIST request line: a body must never be rewritten.
  const body = JSON.stringify({ type: 'kv-v2', description: 'LIST /x HTTP/1.1\r\n\r\n' })
  const [post, list, get] = await rawExchange(port, [
    rawRequest('POST', '/v1/sys/mounts/chain', auth, body),
    rawRequest('LIST', '/v1/sys/mounts', auth),
    rawRequest('GET', '/v1/sys/mounts/chain', auth)
  ])
  t.equal(post.status, 204)
  t.equal(list.status, 404)
  t.same(JSON.parse(list.body), { errors: ['1 error occurred:\n\t* unsupported path\n\n'] })
  t.equal(get.status, 200)
  const mount = JSON.parse(get.body) as { data: { description: string, options: Record<string, string> } }
  t.equal(mount.data.description, 'LIST /x HTTP/1.1\r\n\r\n', 'the body reached the server untouched')
  t.same(mount.data.options, { version: '2' })
})

t.test('an unknown verb gets 405 {"errors":[]}', async (t) => {
  const server = await startTestServer(t)
  const { port } = server.app.server.address() as AddressInfo
  const [res] = await rawExchange(port, [rawRequest('FOO', '/v1/sys/mounts', auth)])
  t.equal(res.status, 405)
  t.equal(res.headers['content-type'], 'application/json')
  t.same(JSON.parse(res.body), { errors: [] })
})

t.test('LIST after GET on a kept-alive connection, split across reads, and pipelined', async (t) => {
  const server = await startTestServer(t)
  const { port } = server.app.server.address() as AddressInfo
  const get = rawRequest('GET', '/v1/sys/mounts?list=true', auth)
  const list = rawRequest('LIST', '/v1/sys/mounts', auth)
  const health = rawRequest('GET', '/v1/sys/health')
  // The parser accepts "LI" (a prefix of LINK) from one read and rejects "S" in the next.
  const split = await rawPipeline(port, [get, list.slice(0, 2), list.slice(2) + health], [get, list, health])
  t.same(split.map((r) => r.status), [404, 404, 200])
  t.same(strip(split[1].body), strip(split[0].body))
  // GET, LIST and GET in one segment: answered in order.
  const piped = await rawPipeline(port, [get + list + health], [get, list, health])
  t.same(piped.map((r) => r.status), [404, 404, 200])
  t.same(strip(piped[1].body), strip(piped[0].body))
  // A LIST with a body after a GET; then an unknown verb on the (now wrapped) connection is still 405.
  const [, listBody, foo] = await rawExchange(port, [get, rawRequest('LIST', '/v1/sys/mounts', auth, '{}'), rawRequest('FOO', '/v1/sys/mounts', auth)])
  t.equal(listBody.status, 404)
  t.equal(foo.status, 405)
  t.same(JSON.parse(foo.body), { errors: [] })
})
