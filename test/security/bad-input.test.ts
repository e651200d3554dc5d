// Issue 13 "Done when" 3: the schema-driven bad-input corpus (>= 2,000 requests generated from
// openapi.yaml, `bad-input-cases.ts`) sent to a real server over real sockets: no answer is a
// 5xx, every request is answered, the process keeps serving, and the data written before is
// byte-identical after. All cases run everywhere (a few seconds); `BAD_INPUT_SAMPLE=n` runs a
// sample of n while debugging.
import t from 'tap'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT_TOKEN, startTestServer, tempDir, vault } from '../helper.js'
import { AZURE_BODY } from '../sync-fixtures.js'
import { badInputCases, type BadCase } from './bad-input-cases.js'

/** Sends `bytes` on a fresh connection; resolves the status of the first answer, or 0 for none. */
async function sendRaw (port: number, bytes: Buffer): Promise<number> {
  return await new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let done = false
    const finish = (status: number): void => { if (!done) { done = true; sock.destroy(); resolve(status) } }
    const timer = setTimeout(() => finish(0), 15_000)
    sock.on('error', () => undefined)
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c])
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        const status = Number(head.split(' ')[1])
        // An interim 100 Continue is not the answer.
        if (status === 100) { buf = buf.subarray(end + 4); continue }
        const len = /\r\ncontent-length: *(\d+)/i.exec(head)
        if (len === null || buf.length - end - 4 >= Number(len[1])) { clearTimeout(timer); finish(status) }
        return
      }
    })
    sock.on('close', () => {
      clearTimeout(timer)
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.toString('latin1'))
      finish(m === null ? 0 : Number(m[1]))
    })
    sock.write(bytes)
  })
}

t.test('the bad-input corpus: no 5xx, every request answered, data intact', async (t) => {
  const auditFile = join(tempDir(t), 'audit.log')
  const { app } = await startTestServer(t, { VAULT_SYNC_AUDIT_FILE: auditFile })
  const { port } = app.server.address() as AddressInfo
  // The data written before: its own mount, destination and policy, never named by the corpus.
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/keep', { body: { type: 'kv-v2' } })).statusCode, 204)
  for (let i = 0; i < 3; i++) {
    t.equal((await vault(app, 'POST', '/v1/keep/data/app', { body: { data: { v: `value-${i}`, n: i } } })).statusCode, 200)
  }
  t.ok([200, 204].includes((await vault(app, 'POST', '/v1/sys/sync/destinations/azure-kv/keep', { body: AZURE_BODY })).statusCode))
  t.equal((await vault(app, 'PUT', '/v1/sys/policies/acl/keep', { body: { policy: 'path "keep/*" { capabilities = ["read"] }' } })).statusCode, 204)
  const snapshot = async (): Promise<string> => {
    const reads = ['/v1/keep/data/app?version=1', '/v1/keep/data/app', '/v1/keep/metadata/app', '/v1/sys/sync/destinations/azure-kv/keep',
      '/v1/sys/policies/acl/keep', '/v1/sys/mounts/keep']
    const out: string[] = []
    for (const url of reads) {
      const res = await vault(app, 'GET', url)
      const body = res.json() as Record<string, unknown>
      delete body.request_id
      out.push(`${url} ${res.statusCode} ${JSON.stringify(body)}`)
    }
    return out.join('\n')
  }
  const before = await snapshot()

  let cases: BadCase[] = badInputCases(ROOT_TOKEN)
  t.ok(cases.length >= 2000, `${cases.length} cases generated from openapi.yaml`)
  const sample = Number(process.env.BAD_INPUT_SAMPLE ?? '0')
  if (sample > 0) cases = cases.filter((_c, i) => i % Math.ceil(cases.length / sample) === 0)
  const failures: string[] = []
  const counts = new Map<number, number>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]
      const status = await sendRaw(port, c.bytes)
      counts.set(status, (counts.get(status) ?? 0) + 1)
      if (status === 0 || status >= 500) failures.push(`${c.label}: ${status === 0 ? 'no answer' : status}`)
    }
  }
  await Promise.all(Array.from({ length: 6 }, worker))
  t.same(failures, [], `no 5xx and no silence (statuses: ${JSON.stringify(Object.fromEntries([...counts].sort((a, b) => a[0] - b[0])))})`)
  const health = await vault(app, 'GET', '/v1/sys/health', { token: null })
  t.equal(health.statusCode, 200, 'the server still serves')
  t.equal(await snapshot(), before, 'the data written before is byte-identical')
  const audit = readFileSync(auditFile, 'utf8')
  t.ok(audit.length > 0, 'the corpus was audited')
  t.notMatch(audit, '* internal error', 'no internal error was audited')
})
