// GET sys/ha-status (Vault's handleHAStatus; `vault operator members`): one server lists itself
// as the one, active node, in Vault's HAStatusNode shape, `nodes` in `data` and at the top level
// (Vault's injectDataIntoTopRoutes; its API client decodes the whole body into
// HAStatusResponse{Nodes}). Needs a token with `read` on sys/ha-status, as in Vault (not an
// unauthenticated path, not root-protected). The replicas' answer is in
// test/replicas/open-storage.test.ts.
import { hostname } from 'node:os'
import t from 'tap'
import { VAULT_VERSION } from '../../../routes/sys/health.js'
import { startTestServer, vault } from '../../helper.js'

/** Vault's HAStatusNode keys, `upgrade_version` and `redundancy_zone` left out (`omitempty`, Raft only). */
const NODE_KEYS = ['hostname', 'api_address', 'cluster_address', 'active_node', 'last_echo', 'version', 'echo_duration_ms', 'clock_skew_ms', 'replication_primary_canary_age_ms']

t.test('one server: itself, active, at its address, in the envelope and at the top level', async (t) => {
  const server = await startTestServer(t)
  const res = await vault(server.app, 'GET', '/v1/sys/ha-status')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.mount_type, 'system')
  t.equal(body.data.nodes.length, 1)
  const [node] = body.data.nodes
  t.same(Object.keys(node).sort(), [...NODE_KEYS].sort(), 'Vault\'s field set')
  t.same(node, {
    // SQLite: the host name, as Vault's os.Hostname(); a PostgreSQL run: the replica id.
    hostname: server.storage.engine === 'sqlite' ? hostname() : server.storage.replica!.replica,
    api_address: server.address,
    cluster_address: '',
    active_node: true,
    last_echo: null,
    version: VAULT_VERSION,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
    replication_primary_canary_age_ms: 0
  })
  t.same(body.nodes, body.data.nodes, 'injected at the top level, where Vault\'s api.Sys().HAStatus() reads it')
  if (server.storage.engine === 'postgresql') {
    t.equal((await vault(server.app, 'GET', '/v1/sys/leader', { token: null })).json().is_self, true, 'the node sys/leader names')
  }
})

t.test('api_addr is the address listed', async (t) => {
  const server = await startTestServer(t, { VAULT_SYNC_API_ADDR: 'https://vault-sync.example.com:8200' })
  t.equal((await vault(server.app, 'GET', '/v1/sys/ha-status')).json().data.nodes[0].api_address, 'https://vault-sync.example.com:8200')
})

t.test('read on sys/ha-status is needed; no token, the default policy and other verbs are refused', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await vault(app, 'PUT', '/v1/sys/policies/acl/members', { body: { policy: 'path "sys/ha-status" { capabilities = ["read"] }' } })).statusCode, 204)
  const mint = async (policies: string[]): Promise<string> =>
    (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies } })).json().auth.client_token as string
  t.equal((await vault(app, 'GET', '/v1/sys/ha-status', { token: await mint(['members']) })).statusCode, 200)
  const denied = [403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] }]
  const noToken = await vault(app, 'GET', '/v1/sys/ha-status', { token: null })
  t.same([noToken.statusCode, noToken.json()], denied, 'not one of Vault\'s unauthenticated paths')
  const byDefault = await vault(app, 'GET', '/v1/sys/ha-status', { token: await mint(['default']) })
  t.same([byDefault.statusCode, byDefault.json()], denied)
  for (const method of ['POST', 'PUT', 'DELETE'] as const) {
    const res = await vault(app, method, '/v1/sys/ha-status', { body: method === 'DELETE' ? undefined : {} })
    t.same([res.statusCode, res.json()], [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }], `${method}: read only, as in Vault`)
  }
})
