// The compiled KV serialisers write exactly JSON.stringify's bytes (issue 16: same bytes on the wire).
import t from 'tap'
import { KvReadSchema, VersionSchema } from '../../../src/kv/kv-schemas.js'
import { READ_FIELDS, VERSION_FIELDS, readJson, serializeRead, serializeVersion } from '../../../routes/kv/kv-serializers.js'
import type { VersionView } from '../../../src/kv/kv-views.js'
import type { Envelope } from '../../../src/vault/envelope.js'
import { startTestServer } from '../../helper.js'
import { MERGE_PATCH, kvClient } from './kv-test-client.js'

const envelope = (data: unknown, extra: Partial<Envelope> = {}): Envelope => ({
  request_id: '0d9f5a52-5c1a-4f7e-9d67-3b1f4d6c2a10',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data,
  wrap_info: null,
  warnings: null,
  auth: null,
  mount_type: 'kv',
  ...extra
})

const TRICKY = [
  '', 'plain', 'quote " and backslash \\', 'control \u0000\u0001\u001f\n\t', 'lone surrogate \ud800 and \udfff',
  'emoji 😀 and é', '</script>', 'x'.repeat(41) + '"', 'y'.repeat(100) + '\\', 'z'.repeat(6000), 'w'.repeat(6000) + '\n'
]
const metadata = (custom: Record<string, string> | null, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  created_time: '2026-01-15T10:20:30.123456Z', custom_metadata: custom, deletion_time: '', destroyed: false, version: 7, ...extra
})
const values: Array<Record<string, unknown>> = [
  {},
  { username: 'app-user', password: 'c2VjcmV0' },
  Object.fromEntries(TRICKY.map((s, i) => [s === '' ? 'empty' : s, TRICKY[(i + 3) % TRICKY.length]])),
  { n: 1e21, m: -0, f: 0.1 + 0.2, big: 2 ** 53 + 2, neg: -5, t: true, nil: null, arr: [1, 'a', null, { b: [] }], nested: { deep: { deeper: 'x' } } },
  { 2: 'integer-like key first', b: 1, 1: 'one', __proto__x: 'p' },
  JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>
]

t.test('a data read and a version answer are JSON.stringify to the byte', async (t) => {
  for (const [i, value] of values.entries()) {
    for (const custom of [null, { owner: 'team "a"', note: TRICKY[4] }, {}] as Array<Record<string, string> | null>) {
      const read = envelope({ data: value, metadata: metadata(custom) })
      t.equal(serializeRead(read), JSON.stringify(read), `read ${i}`)
      const version = envelope(metadata(custom))
      t.equal(serializeVersion(version), JSON.stringify(version), `version ${i}`)
    }
  }
  // Fields the schemas do not name are written, in JSON.stringify's order, never dropped.
  const extra = envelope({ data: { a: 1 }, metadata: metadata(null, { unexpected: 'kept' }), extra: 2 }, { warnings: ['w "1"'], auth: { client_token: 'x' } })
  extra.injected = { z: 1 }
  t.equal(serializeRead(extra), JSON.stringify(extra))
  const deleted = envelope(metadata(null, { deletion_time: '2026-01-15T10:20:31Z', destroyed: true }), { mount_type: '' })
  t.equal(serializeVersion(deleted), JSON.stringify(deleted))
})

t.test('a read written from the data\'s JSON text is the envelope\'s serialisation to the byte', async (t) => {
  for (const [i, value] of values.entries()) {
    for (const custom of [null, { owner: 'team "a"', note: TRICKY[4] }] as Array<Record<string, string> | null>) {
      const meta = metadata(custom) as unknown as VersionView
      const read = envelope({ data: value, metadata: meta })
      const parts = { requestId: read.request_id, mountType: 'kv', dataJson: Buffer.from(JSON.stringify(value)), metadata: meta }
      t.equal(readJson(parts).toString('utf8'), serializeRead(read), `read ${i}`)
      t.equal(readJson(parts).toString('utf8'), serializeRead(read), `read ${i}, metadata remembered`)
    }
  }
})

t.test('the serialisers name the fields of the documented schemas', async (t) => {
  const keys = (schema: unknown): string[] => Object.keys((schema as { properties: Record<string, unknown> }).properties)
  t.same(Object.keys(VERSION_FIELDS), keys(VersionSchema))
  t.same(Object.keys(READ_FIELDS), keys(KvReadSchema))
})

t.test('over HTTP, read and write bodies are the canonical JSON of what they carry', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const value = values[2]
  for (const answer of [await kv('PUT', '/v1/secret/data/tricky', { data: value }), await kv('PATCH', '/v1/secret/data/tricky', { data: { more: 1 } }, MERGE_PATCH)]) {
    t.equal(answer.status, 200)
    t.equal(answer.text, JSON.stringify(answer.body))
  }
  const r = await kv('GET', '/v1/secret/data/tricky')
  t.equal(r.status, 200)
  t.equal(r.contentType, 'application/json')
  t.equal(r.text, JSON.stringify(r.body))
  t.same(r.body.data.data, { ...value, more: 1 })
  // The second read is answered from the caches, from the data's JSON text: the same bytes.
  const again = await kv('GET', '/v1/secret/data/tricky')
  t.equal(again.contentType, 'application/json')
  t.equal(again.text, r.text.replace(r.body.request_id, again.body.request_id))
})
