// Token roles on both storage engines (migration 11 / PostgreSQL `token-roles`): the same role
// CRUD, list, create against a role and renewal through the HTTP API on SQLite and on
// PostgreSQL 15. The PostgreSQL case asks for that engine itself, so without PostgreSQL it fails
// (testStorageEnv throws), it is never skipped.
import t from 'tap'
import { startTestServer, vault } from '../../helper.js'

for (const engine of ['sqlite', 'postgresql'] as const) {
  t.test(`${engine}: role CRUD, byte-ordered list, a token against the role, renewal by the role`, async (t) => {
    const server = await startTestServer(t, { VAULT_SYNC_STORAGE: engine })
    const { app } = server
    t.equal(server.storage.engine, engine)
    for (const name of ['zeta', 'Alpha', 'beta.2']) {
      t.equal((await vault(app, 'POST', `/v1/auth/token/roles/${name}`, { body: { allowed_policies: ['app'], path_suffix: 'rev-1', token_period: '1h' } })).statusCode, 204)
    }
    t.same((await vault(app, 'GET', '/v1/auth/token/roles?list=true')).json().data.keys, ['Alpha', 'beta.2', 'zeta'], 'byte order (upper case first), on both engines')
    t.equal((await vault(app, 'POST', '/v1/auth/token/roles/zeta', { body: { orphan: true, allowed_entity_aliases: 'x' } })).statusCode, 204)
    t.strictSame((await vault(app, 'GET', '/v1/auth/token/roles/zeta')).json().data, {
      allowed_entity_aliases: ['x'], allowed_policies: ['app'], allowed_policies_glob: [], disallowed_policies: [], disallowed_policies_glob: [],
      explicit_max_ttl: 0, name: 'zeta', orphan: true, path_suffix: 'rev-1', period: 0, renewable: true, token_explicit_max_ttl: 0,
      token_no_default_policy: false, token_period: 3600, token_type: 'default-service'
    })
    const created = await vault(app, 'POST', '/v1/auth/token/create/zeta', { body: {} })
    t.match(created.json().auth, { policies: ['app', 'default'], orphan: true, lease_duration: 3600 })
    const token = created.json().auth.client_token as string
    t.match((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })).json().data, { path: 'auth/token/create/zeta/rev-1', role: 'zeta' })
    t.equal((await vault(app, 'POST', '/v1/auth/token/renew-self', { token })).json().auth.lease_duration, 3600)
    t.equal((await vault(app, 'DELETE', '/v1/auth/token/roles/zeta')).statusCode, 204)
    t.same((await vault(app, 'GET', '/v1/auth/token/roles/zeta')).json(), { errors: [] })
    t.equal((await vault(app, 'POST', '/v1/auth/token/renew-self', { token })).statusCode, 500, 'its role is gone')
    t.same((await vault(app, 'GET', '/v1/auth/token/roles?list=true')).json().data.keys, ['Alpha', 'beta.2'])
  })
}
