// Token endpoints (spec/vault-core-kv-api.md §4.1-4.2): create rules, formats, lookup, renew,
// revoke with children, expiry on an injected clock, use counts, and that only hashes are stored.
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { openDatabase } from '../../../db/database.js'
import { buildApp } from '../../../src/app.js'
import { generateSealKey } from '../../../src/crypto/seal.js'
import { createServices } from '../../../src/services.js'
import { ROOT_TOKEN, startTestServer, tempDir, vault } from '../../helper.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }
const INVALID = { errors: ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'] }

/** The real app and SQLite with a clock the test moves (for expiry). */
async function clockedApp (t: Test): Promise<{ app: FastifyInstance, advance: (seconds: number) => void }> {
  const db = openDatabase(join(tempDir(t), 'vault-sync.db'))
  let clock = Date.now()
  const services = await createServices({ db, sealKey: generateSealKey(), now: () => clock })
  await services.tokens.ensureRootToken(ROOT_TOKEN)
  const app = buildApp({ services, maxRequestBytes: 1 << 20 })
  await app.ready()
  t.teardown(async () => { await app.close(); db.close() })
  return { app, advance: (seconds) => { clock += seconds * 1000 } }
}

async function create (app: FastifyInstance, body: unknown, token?: string): Promise<{ status: number, json: any }> {
  const res = await vault(app, 'POST', '/v1/auth/token/create', { body, token })
  return { status: res.statusCode, json: res.json() }
}

t.test('create: Vault formats, policies, display name, auth block', async (t) => {
  const { app, services } = await startTestServer(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/p1', { body: { policy: 'path "sys/mounts" {\n capabilities = ["read"]\n}\n' } })
  const c = await create(app, { policies: ['P1', ' p1 '], ttl: '1h', display_name: 'ci job#1', meta: { team: 'a' }, id: null, num_uses: null })
  t.equal(c.status, 200)
  t.match(c.json, {
    data: null,
    mount_type: 'token',
    auth: {
      client_token: /^hvs\.[0-9A-Za-z]{24,}$/, accessor: /^[0-9A-Za-z]{24}$/, policies: ['default', 'p1'], token_policies: ['default', 'p1'],
      metadata: { team: 'a' }, lease_duration: 3600, renewable: true, entity_id: '', token_type: 'service', orphan: false, num_uses: 0
    }
  })
  const token = c.json.auth.client_token as string
  const self = (await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })).json().data
  t.match(self, { id: token, display_name: 'token-ci-job-1', path: 'auth/token/create', policies: ['default', 'p1'], orphan: false, creation_ttl: 3600, type: 'service', meta: { team: 'a' } })
  // The remaining TTL counts down in whole seconds: a loaded machine may cross one between calls.
  t.ok(self.ttl === 3600 || self.ttl === 3599, `ttl ${String(self.ttl)} is the creation TTL less the time since`)
  // Only the SHA-256 of the id is stored.
  const row = await services.store.repos.tokens.byAccessor(self.accessor as string)
  t.ok(row, 'the token row')
  t.notOk(JSON.stringify(row).includes(token), 'no token id in the database')
  const warn = await create(app, { policies: ['ghost'] })
  t.same(warn.json.warnings, ['Policy "ghost" does not exist'])
  t.same(warn.json.auth.policies, ['default', 'ghost'])
  t.equal(warn.json.auth.lease_duration, 2764800, 'the 768h default TTL')
  const rootChild = await create(app, {})
  t.same(rootChild.json.auth.policies, ['root'])
  t.equal(rootChild.json.auth.lease_duration, 0, 'a root token without ttl never expires')
  const capped = await create(app, { policies: ['p1'], ttl: '2h', explicit_max_ttl: '1h' })
  t.equal(capped.json.auth.lease_duration, 3600)
  t.same(capped.json.warnings, ['Requested TTL of 7200 seconds higher than explicit max TTL; value being capped to 3600 seconds'], 'Vault\'s own text for ttl above explicit_max_ttl')
  const tiny = await create(app, { policies: ['p1'], ttl: '1h', explicit_max_ttl: '3s' })
  t.same(tiny.json.warnings, ['Requested TTL of 3600 seconds higher than explicit max TTL; value being capped to 3 seconds'])
  t.equal(tiny.json.auth.lease_duration, 3)
  const noTtl = await create(app, { policies: ['p1'], explicit_max_ttl: '1h' })
  t.same([noTtl.json.auth.lease_duration, noTtl.json.warnings], [3600, null], 'no ttl takes explicit_max_ttl, silently')
  const overSystem = await create(app, { policies: ['p1'], ttl: '800h' })
  t.same(overSystem.json.warnings, ['TTL of "800h" exceeded the effective max_ttl of "768h"; TTL value is capped accordingly'], 'durations as Vault\'s humanDuration prints them')
  const noDefault = await create(app, { policies: ['p1'], no_default_policy: true })
  t.same(noDefault.json.auth.policies, ['p1'])
  const custom = await create(app, { id: 'my-own-id', policies: ['p1'] })
  t.equal(custom.json.auth.client_token, 'my-own-id')
  t.same((await create(app, { id: 'my-own-id' })).json, { errors: ['cannot create a token with a duplicate ID'] })
  t.same((await create(app, { type: 'batch' })).json, { errors: ['batch tokens are not supported by vault-sync; use service tokens'] })
  t.same((await create(app, { num_uses: -1 })).json, { errors: ['number of uses cannot be negative'] })
})

t.test('create: a non-root parent is limited to its own policies', async (t) => {
  const { app } = await startTestServer(t)
  const creator = 'path "auth/token/create" {\n capabilities = ["update"]\n}\npath "auth/token/create-orphan" {\n capabilities = ["update"]\n}\n'
  await vault(app, 'PUT', '/v1/sys/policies/acl/creator', { body: { policy: creator } })
  await vault(app, 'PUT', '/v1/sys/policies/acl/sudo-creator', { body: { policy: creator.replace('capabilities = ["update"]', 'capabilities = ["update", "sudo"]') } })
  const parent = (await create(app, { policies: ['creator', 'p2'] })).json.auth.client_token
  const sub = await create(app, { policies: ['p2'] }, parent)
  t.equal(sub.status, 200)
  t.same(sub.json.auth.policies, ['default', 'p2'])
  const inherited = await create(app, {}, parent)
  t.same(inherited.json.auth.policies, ['creator', 'default', 'p2'], 'no policies: the parent\'s')
  const wider = await create(app, { policies: ['admin'] }, parent)
  t.equal(wider.status, 400)
  t.same(wider.json, { errors: ['child policies must be subset of parent'] })
  t.same((await create(app, { policies: ['root'] }, parent)).json, { errors: ['child policies must be subset of parent'] }, 'Vault checks the subset before root')
  t.same((await create(app, { policies: ['p2'], id: 'x' }, parent)).json, { errors: ['root or sudo privileges required to specify token id'] })
  t.same((await create(app, { policies: ['p2'], no_parent: true }, parent)).json, { errors: ['root or sudo privileges required to create orphan token'] })
  const orphan = await vault(app, 'POST', '/v1/auth/token/create-orphan', { token: parent, body: { policies: ['p2'] } })
  t.equal(orphan.json().auth.orphan, true, 'create-orphan needs no sudo')
  const sudoParent = (await create(app, { policies: ['sudo-creator'] })).json.auth.client_token
  t.same((await create(app, { policies: ['anything'] }, sudoParent)).json.auth.policies, ['anything', 'default'], 'sudo lifts the subset rule')
  const noCreate = (await create(app, { policies: ['p2'] })).json.auth.client_token
  const denied = await vault(app, 'POST', '/v1/auth/token/create', { token: noCreate, body: {} })
  t.equal(denied.statusCode, 403)
  t.same(denied.json(), DENIED)
})

t.test('lookup, lookup-accessor, renew-self, revoke, revoke-accessor, children revoked with their parent', async (t) => {
  const { app } = await startTestServer(t)
  const parent = (await create(app, { policies: ['a'], ttl: '1h' })).json.auth
  const child = (await create(app, { policies: ['a'] })).json.auth
  // A tree: root -> p -> c1 -> c2.
  await vault(app, 'PUT', '/v1/sys/policies/acl/creator', { body: { policy: 'path "auth/token/create" {\n capabilities = ["update"]\n}\n' } })
  const p = (await create(app, { policies: ['creator'] })).json.auth
  const c1 = (await create(app, { policies: ['creator'] }, p.client_token)).json.auth
  const c2 = (await create(app, {}, c1.client_token)).json.auth
  t.equal((await vault(app, 'POST', '/v1/auth/token/lookup', { body: { token: c2.client_token } })).json().data.orphan, false)
  const byAccessor = await vault(app, 'POST', '/v1/auth/token/lookup-accessor', { body: { accessor: c1.accessor } })
  t.match(byAccessor.json().data, { id: '', accessor: c1.accessor, policies: ['creator', 'default'] })
  t.same((await vault(app, 'POST', '/v1/auth/token/lookup', { body: { token: 'hvs.nope' } })).json(), { errors: ['bad token'] })
  t.same((await vault(app, 'POST', '/v1/auth/token/lookup-accessor', { body: { accessor: 'nope' } })).json(), { errors: ['invalid accessor'] })
  const renewed = await vault(app, 'PUT', '/v1/auth/token/renew-self', { token: parent.client_token, body: { increment: '30m' } })
  t.equal(renewed.statusCode, 200)
  t.match(renewed.json().auth, { client_token: parent.client_token, lease_duration: 1800, renewable: true })
  t.match((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: parent.client_token })).json().data, { ttl: 1800, last_renewal_time: Number })
  t.same((await vault(app, 'POST', '/v1/auth/token/renew-self')).json(), { errors: ['lease is not renewable'] }, 'the root token never expires')
  // Revoking c1 takes c2 with it, not p.
  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke', { body: { token: c1.client_token } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: c2.client_token })).json(), INVALID)
  t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: p.client_token })).statusCode, 200)
  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke', { body: { token: 'hvs.unknown' } })).statusCode, 204, 'unknown: 204')
  t.same((await vault(app, 'POST', '/v1/auth/token/revoke', { body: {} })).json(), { errors: ['missing token ID'] })
  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke-accessor', { body: { accessor: child.accessor } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: child.client_token })).json(), INVALID)
  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke-self', { token: p.client_token })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: p.client_token })).json(), INVALID)
})

t.test('expiry, expired parents and use counts', async (t) => {
  const { app, advance } = await clockedApp(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/creator', { body: { policy: 'path "auth/token/create" {\n capabilities = ["update"]\n}\n' } })
  const parent = (await create(app, { policies: ['creator'], ttl: '10m' })).json.auth.client_token
  const child = (await create(app, { ttl: '1h' }, parent)).json.auth.client_token
  const longLived = (await create(app, { policies: ['x'], ttl: '1h', explicit_max_ttl: '20m' })).json.auth.client_token
  advance(9 * 60)
  t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: child })).statusCode, 200)
  const renew = await vault(app, 'POST', '/v1/auth/token/renew-self', { token: longLived, body: { increment: '1h' } })
  t.equal(renew.json().auth.lease_duration, 11 * 60, 'capped by explicit_max_ttl from creation')
  t.same(renew.json().warnings, ['TTL of "1h" exceeded the effective max_ttl of "11m"; TTL value is capped accordingly'])
  const again = await vault(app, 'POST', '/v1/auth/token/renew-self', { token: longLived, body: { increment: '3h' } })
  t.same(again.json().warnings, ['TTL of "3h" exceeded the effective max_ttl of "11m"; TTL value is capped accordingly'], 'not "3h0m0s"')
  advance(2 * 60)
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: parent })).json(), INVALID, 'expired')
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: child })).json(), INVALID, 'revoked with its expired parent')
  const limited = (await create(app, { policies: ['x'], num_uses: 2 })).json.auth.client_token
  // Vault counts a use before the request is handled: lookup-self shows the uses left after it.
  t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: limited })).json().data.num_uses, 1)
  const last = await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: limited })
  t.equal(last.statusCode, 200, 'the last use still works')
  t.equal(last.json().data.num_uses, -1, 'pending revocation (Vault\'s tokenRevocationPending)')
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: limited })).json(), INVALID, 'then the token is gone')
  // Vault's handleCreateCommon: a child would escape the parent's use count.
  await vault(app, 'PUT', '/v1/sys/policies/acl/creator', { body: { policy: 'path "auth/token/create*" { capabilities = ["create", "update", "sudo"] }' } })
  const counted = (await create(app, { policies: ['creator'], num_uses: 3 })).json.auth.client_token
  for (const path of ['/v1/auth/token/create', '/v1/auth/token/create-orphan']) {
    const child = await vault(app, 'POST', path, { token: counted, body: {} })
    t.same([child.statusCode, child.json()], [400, { errors: ['restricted use token cannot generate child tokens'] }], `${path} by a token with limited uses`)
  }
  // Its last use: Vault's CheckToken has already marked it for revocation (num_uses -1), and
  // handleCreateCommon's Lookup no longer finds it.
  const once = (await create(app, { policies: ['creator'], num_uses: 1 })).json.auth.client_token
  const lastUse = await vault(app, 'POST', '/v1/auth/token/create', { token: once, body: {} })
  t.same([lastUse.statusCode, lastUse.json()], [400, { errors: ['parent token lookup failed: no parent found'] }], 'by a token on its last use')
})

t.test('a token with N uses is honoured exactly N times by concurrent requests (counted before the handler)', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/reader', { body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' } })
  await vault(app, 'POST', '/v1/secret/data/app', { body: { data: { v: 1 } } })
  const limited = (await create(app, { policies: ['reader'], num_uses: 3 })).json.auth.client_token
  const answers = await Promise.all(Array.from({ length: 10 }, async () => await vault(app, 'GET', '/v1/secret/data/app', { token: limited })))
  t.same(answers.map((a) => a.statusCode).sort(), [200, 200, 200, 403, 403, 403, 403, 403, 403, 403], 'three allowed, the rest refused')
  t.same(answers.find((a) => a.statusCode === 403)?.json(), INVALID, 'as a revoked token')
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: limited })).json(), INVALID, 'then the token is gone')
})

t.test('renew and renew-accessor (vault token renew [-accessor]); revoke-orphan (sudo) leaves the children as orphans', async (t) => {
  const { app } = await startTestServer(t)
  const other = (await create(app, { policies: ['a'], ttl: '1h' })).json.auth
  const renewed = await vault(app, 'PUT', '/v1/auth/token/renew', { body: { token: other.client_token, increment: '20m' } })
  t.equal(renewed.statusCode, 200)
  t.match(renewed.json().auth, { client_token: other.client_token, accessor: other.accessor, lease_duration: 1200, renewable: true })
  const byAccessor = await vault(app, 'POST', '/v1/auth/token/renew-accessor', { body: { accessor: other.accessor, increment: 600 } })
  t.match(byAccessor.json().auth, { client_token: '', accessor: other.accessor, lease_duration: 600 }, 'no token in the answer')
  t.match((await vault(app, 'POST', '/v1/auth/token/lookup-accessor', { body: { accessor: other.accessor } })).json().data, { ttl: 600 })
  t.same((await vault(app, 'PUT', '/v1/auth/token/renew', { body: {} })).json(), { errors: ['missing token ID'] })
  t.same((await vault(app, 'PUT', '/v1/auth/token/renew', { body: { token: 'hvs.nope' } })).json(), { errors: ['token not found'] })
  t.same((await vault(app, 'PUT', '/v1/auth/token/renew-accessor', { body: { accessor: 'nope' } })).json(), { errors: ['invalid accessor'] })
  t.same((await vault(app, 'PUT', '/v1/auth/token/renew-accessor', { body: {} })).json(), { errors: ['missing accessor'] })

  // A tree root -> p -> c: revoking p as an orphan revoke keeps c, now an orphan.
  await vault(app, 'PUT', '/v1/sys/policies/acl/creator', { body: { policy: 'path "auth/token/create" {\n capabilities = ["update"]\n}\npath "auth/token/revoke-orphan" {\n capabilities = ["update"]\n}\n' } })
  const p = (await create(app, { policies: ['creator'] })).json.auth
  const c = (await create(app, {}, p.client_token)).json.auth
  t.same((await vault(app, 'PUT', '/v1/auth/token/revoke-orphan', { token: p.client_token, body: { token: p.client_token } })).json(), { errors: ['root or sudo privileges required to revoke and orphan'] }, 'update without sudo: the handler refuses')
  t.equal((await vault(app, 'PUT', '/v1/auth/token/revoke-orphan', { body: { token: p.client_token } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: p.client_token })).json(), INVALID, 'the token is revoked')
  const child = await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: c.client_token })
  t.equal(child.statusCode, 200, 'its child stays valid')
  t.equal(child.json().data.orphan, true, 'as an orphan')
  t.same((await vault(app, 'PUT', '/v1/auth/token/revoke-orphan', { body: {} })).json(), { errors: ['missing token ID'] })
  t.same((await vault(app, 'PUT', '/v1/auth/token/revoke-orphan', { body: { token: 'hvs.unknown' } })).json(), { errors: ['token to revoke not found'] },
    'unknown: 400, as Vault\'s handleRevokeOrphan (revoke answers 204)')
})

t.test('a period above the effective max TTL is capped with framework.CalculateTTL\'s warning', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await vault(app, 'POST', '/v1/sys/auth/token/tune', { body: { max_lease_ttl: '1h' } })).statusCode, 204)
  const long = await create(app, { policies: ['default'], period: '2h' })
  t.same([long.status, long.json.auth.lease_duration], [200, 3600], 'capped at the token store\'s max TTL')
  t.same(long.json.warnings, ['period of "2h" exceeded the effective max_ttl of "1h"; period value is capped accordingly'])
  const explicit = await create(app, { policies: ['default'], period: '45m', explicit_max_ttl: '30m' })
  t.same([explicit.json.auth.lease_duration, explicit.json.warnings], [1800, ['period of "45m" exceeded the effective max_ttl of "30m"; period value is capped accordingly']])
  const within = await create(app, { policies: ['default'], period: '20m', explicit_max_ttl: '30m' })
  t.same([within.json.auth.lease_duration, within.json.warnings], [1200, null], 'within both: no warning')
  // A renewal caps the period the same way once the store's max TTL is lowered below it.
  const periodic = await create(app, { policies: ['default'], period: '50m' })
  t.equal((await vault(app, 'POST', '/v1/sys/auth/token/tune', { body: { max_lease_ttl: '40m' } })).statusCode, 204)
  const renewed = (await vault(app, 'POST', '/v1/auth/token/renew', { body: { token: periodic.json.auth.client_token } })).json()
  t.same([renewed.auth.lease_duration, renewed.warnings], [2400, ['period of "50m" exceeded the effective max_ttl of "40m"; period value is capped accordingly']])
})
