/**
 * The admin API under `/_emulator` (a path Azure never serves), protected by the emulator's own
 * bearer token (decisions D-5), on every listener:
 *
 * | method + path | body → answer |
 * |---|---|
 * | GET `/_emulator/info` | the info document (D-14) |
 * | GET, POST, DELETE `/_emulator/faults`; DELETE `/_emulator/faults/{id}` | fault rules (D-5 shape) |
 * | GET, POST `/_emulator/principals`; POST `…/{clientId}/rotate-secret`; DELETE `…/{clientId}` | principals |
 * | GET, DELETE `/_emulator/requests?since=&vault=&limit=` | the request log |
 * | GET, POST `/_emulator/clock` `{advanceMs}` | the emulator clock |
 * | GET `/_emulator/vaults`; GET, PATCH `/_emulator/vaults/{v}/settings` | vaults and their settings |
 * | GET `/_emulator/vaults/{v}/secrets`, GET `…/secrets/{name}` | stored state, values included |
 * | POST, DELETE `/_emulator/vaults/{v}/secrets/{name}` `{managed:true, contentType, kid, value?}` | managed secrets (D-31.2) |
 * | POST `/_emulator/vaults/{v}/secrets/{name}/edits` `{op, ...}` | out-of-band edits (`out-of-band.ts`) |
 */
import { Type } from 'typebox'
import type { FastifyInstance } from 'fastify'
import type { EmulatorCore } from './core.js'
import { AdminErrors } from './errors.js'
import { faultsHandle, findVault, principalsHandle, vaultHandle } from './control.js'
import type { FaultRuleInput } from './faults.js'
import { secretsEqual } from './principals.js'
import type { OutOfBandEdit, VaultSettingsPatch } from './types.js'

const Str = Type.String({ minLength: 1 })
const FaultBody = Type.Object({
  match: Type.Optional(Type.Object({ method: Type.Optional(Str), pathRegex: Type.Optional(Str), vault: Type.Optional(Str), principal: Type.Optional(Str) })),
  action: Type.Object({
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    code: Type.Optional(Str),
    innerCode: Type.Optional(Str),
    message: Type.Optional(Type.String()),
    retryAfterSec: Type.Optional(Type.Number({ minimum: 0 })),
    retryAfterMs: Type.Optional(Type.Number({ minimum: 0 })),
    reset: Type.Optional(Type.Boolean()),
    latencyMs: Type.Optional(Type.Number({ minimum: 0 }))
  }),
  mode: Type.Optional(Type.Union([
    Type.Object({ next: Type.Integer({ minimum: 1 }) }),
    Type.Object({ probability: Type.Number({ minimum: 0, maximum: 1 }), seed: Type.Optional(Type.Integer()) }),
    Type.Object({ untilCleared: Type.Literal(true) })
  ]))
})
const PrincipalBody = Type.Object({ tenantId: Type.Optional(Str), clientId: Type.Optional(Str), clientSecret: Type.Optional(Str) })
const RotateBody = Type.Union([Type.Object({ clientSecret: Type.Optional(Str) }), Type.Null()])
const ClockBody = Type.Object({ advanceMs: Type.Number({ minimum: 0 }) })
const ManagedBody = Type.Object({
  managed: Type.Literal(true),
  contentType: Type.Optional(Type.String({ maxLength: 255 })),
  kid: Type.Optional(Str),
  value: Type.Optional(Type.String({ maxLength: 25600 })),
  tags: Type.Optional(Type.Record(Type.String(), Type.String()))
})
const Tags = Type.Record(Type.String(), Type.String())
const EditBody = Type.Union([
  Type.Object({ op: Type.Literal('new-version'), value: Type.String(), contentType: Type.Optional(Type.String()), tags: Type.Optional(Tags) }),
  Type.Object({ op: Type.Literal('patch'), version: Type.Optional(Type.String()), contentType: Type.Optional(Type.String()), tags: Type.Optional(Tags), enabled: Type.Optional(Type.Boolean()) }),
  Type.Object({ op: Type.Literal('disable'), version: Type.Optional(Type.String()) }),
  Type.Object({ op: Type.Literal('delete') }),
  Type.Object({ op: Type.Literal('purge') }),
  Type.Object({ op: Type.Literal('recreate'), value: Type.String(), contentType: Type.Optional(Type.String()), tags: Type.Optional(Tags) })
])
const RequestsQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0 })),
  vault: Type.Optional(Str),
  limit: Type.Optional(Type.Integer({ minimum: 1 }))
})

type ClientParams = { clientId: string }
type VaultParams = { vault: string }
type SecretParams = { vault: string, name: string }

/** Registers the admin routes (prefix `/_emulator`) with their token check. */
export function registerAdminRoutes (app: FastifyInstance, core: EmulatorCore): void {
  const faults = faultsHandle(core)
  const principals = principalsHandle(core)
  const config = { family: 'admin' as const }

  app.register(async (admin) => {
    admin.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      if (body === '') { done(null, undefined); return }
      try { done(null, JSON.parse(body as string)) } catch { done(AdminErrors.badRequest('The request body is not valid JSON.'), undefined) }
    })
    admin.addHook('onRequest', async (request) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
      if (m === null || !secretsEqual(m[1], core.adminToken)) throw AdminErrors.unauthorized()
    })

    admin.get('/info', { config }, async () => core.info())

    admin.get('/faults', { config }, async () => ({ rules: faults.list() }))
    admin.post('/faults', { config, schema: { body: FaultBody } }, async (r, reply) => reply.code(201).send(faults.add(r.body as FaultRuleInput)))
    admin.delete('/faults', { config }, async (_r, reply) => { faults.clear(); return reply.code(204).send() })
    admin.delete('/faults/:id', { config }, async (r, reply) => {
      if (!faults.remove((r.params as { id: string }).id)) throw AdminErrors.notFound('Fault rule')
      return reply.code(204).send()
    })

    admin.get('/principals', { config }, async () => ({ principals: principals.list() }))
    admin.post('/principals', { config, schema: { body: PrincipalBody } }, async (r, reply) =>
      reply.code(201).send(principals.add((r.body ?? {}) as { tenantId?: string, clientId?: string, clientSecret?: string })))
    admin.post('/principals/:clientId/rotate-secret', { config, schema: { body: RotateBody } }, async (r) =>
      principals.rotateSecret((r.params as ClientParams).clientId, (r.body as { clientSecret?: string } | null | undefined)?.clientSecret))
    admin.delete('/principals/:clientId', { config }, async (r) => principals.disable((r.params as ClientParams).clientId))

    admin.get('/requests', { config, schema: { querystring: RequestsQuery } }, async (r) => {
      const q = r.query as { since?: number, vault?: string, limit?: number }
      return { entries: core.requestLog.query(q), last_seq: core.requestLog.lastSeq() }
    })
    admin.delete('/requests', { config }, async (_r, reply) => { core.requestLog.clear(); return reply.code(204).send() })

    const clockView = (): Record<string, unknown> => {
      const now = core.clock.now()
      return { now_ms: now, now: new Date(now).toISOString(), offset_ms: core.clock.offsetMs() }
    }
    admin.get('/clock', { config }, async () => clockView())
    admin.post('/clock', { config, schema: { body: ClockBody } }, async (r) => {
      core.clock.advance((r.body as { advanceMs: number }).advanceMs)
      return clockView()
    })

    admin.get('/vaults', { config }, async () => ({
      vaults: [...core.vaults.values()].map((v) => ({ name: v.name, vault_uri: v.uri, ...v.store.counts() }))
    }))
    admin.get('/vaults/:vault/settings', { config }, async (r) =>
      vaultHandle(core, findVault(core, (r.params as VaultParams).vault)).settings())
    admin.patch('/vaults/:vault/settings', { config }, async (r) => {
      if (r.body === null || typeof r.body !== 'object' || Array.isArray(r.body)) throw AdminErrors.badRequest('The body must be a JSON object.')
      return vaultHandle(core, findVault(core, (r.params as VaultParams).vault)).updateSettings(r.body as VaultSettingsPatch)
    })
    admin.get('/vaults/:vault/secrets', { config }, async (r) =>
      vaultHandle(core, findVault(core, (r.params as VaultParams).vault)).snapshot())
    admin.get('/vaults/:vault/secrets/:name', { config }, async (r) => {
      const p = r.params as SecretParams
      const found = vaultHandle(core, findVault(core, p.vault)).inspectSecret(p.name)
      if (found === undefined) throw AdminErrors.notFound(`Secret "${p.name}"`)
      return found
    })
    admin.post('/vaults/:vault/secrets/:name', { config, schema: { body: ManagedBody } }, async (r, reply) => {
      const p = r.params as SecretParams
      const b = r.body as { contentType?: string, kid?: string, value?: string, tags?: Record<string, string> }
      return reply.code(201).send(vaultHandle(core, findVault(core, p.vault)).putManagedSecret(p.name, b))
    })
    admin.post('/vaults/:vault/secrets/:name/edits', { config, schema: { body: EditBody } }, async (r) => {
      const p = r.params as SecretParams
      return vaultHandle(core, findVault(core, p.vault)).edit(p.name, r.body as OutOfBandEdit)
    })
    admin.delete('/vaults/:vault/secrets/:name', { config }, async (r, reply) => {
      const p = r.params as SecretParams
      if (!vaultHandle(core, findVault(core, p.vault)).removeSecret(p.name)) throw AdminErrors.notFound(`Secret "${p.name}"`)
      return reply.code(204).send()
    })
  }, { prefix: '/_emulator' })
}
