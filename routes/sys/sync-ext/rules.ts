/**
 * Association rules (issue 22; round2.md R2-2), a vault-sync extension under
 * `sys/sync-ext/destinations/:type/:name/rules`, ACL-protected like any path:
 * - `POST|PUT .../rules/:rule` (`create`, or `update` when it exists): create and materialise
 *   the rule; `?dry_run=true` answers the same plan and stores nothing;
 * - `GET .../rules/:rule` (`read`), `DELETE .../rules/:rule` (`delete`, 204),
 * - `LIST .../rules` or `GET .../rules?list=true` (`list`).
 * The caller's ACL and policies are passed to the service (it checks `read` on every covered
 * secret and keeps the policies for secrets added later).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { list, noContent, ok } from '../../../src/vault/envelope.js'
import { permissionDenied } from '../../../src/vault/errors.js'
import { unknownFieldsWarning } from '../../../src/vault/field-decode.js'
import { parseGoBool } from '../../../src/vault/parse-bool.js'
import { envelope } from '../../../src/sync/sync-schemas.js'
import { RULE_FIELDS } from '../../../src/rules/rule-spec.js'
import { RuleCreateQuerySchema, RuleListSchema, RulePlanSchema, RuleRequestSchema, RuleSchema } from '../../../src/rules/rule-schemas.js'
import { documented, errorBody, noBody, vaultData } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type Params = { type: string, name: string, rule: string }
type Req = FastifyRequest<{ Params: Params, Body: Record<string, unknown> | undefined, Querystring: { dry_run?: string } }>

/** Registers the rule routes. */
export function ruleRoutes (app: FastifyInstance, { rules, driverRegistry }: Pick<Services, 'rules' | 'driverRegistry'>): void {
  const params = {
    type: { description: 'Destination type', schema: Type.Enum(driverRegistry.types(), { type: 'string' }) },
    name: 'Name of the destination',
    rule: 'Name of the rule: 1-128 letters, digits, `_`, `-`, `.`'
  }
  const base = '/v1/sys/sync-ext/destinations/:type/:name/rules'

  app.route({
    method: ['POST', 'PUT'],
    url: `${base}/:rule`,
    schema: {
      openapi: documented({
        operationId: 'vault-sync-write-sync-ext-rule',
        summary: 'Create an association rule and associate every secret it covers (vault-sync extension)',
        description: 'Needs `create` on the path, `list` on the prefix folder (checked before the mount is looked up: an unknown mount is a 400 only for a caller who may list there) ' +
          'and `read` on every secret the rule covers now (else 403 naming one). ' +
          'A name another association of the destination holds is an error naming that secret only if the caller could list its folder or read it. ' +
          'The associations made are ordinary ones (`associations/set` shows them; `associations/remove` of one excludes it from the rule). ' +
          'A secret written later that matches is associated in the same transaction, if the creator\'s policies allow reading it. ' +
          'With `dry_run=true` the plan (covered secrets, their Azure names, collisions) is answered and nothing is stored. ' +
          'Rules are not updated in place: delete and create again.',
        params,
        query: RuleCreateQuerySchema,
        body: RuleRequestSchema,
        responses: {
          200: vaultData('The plan: every covered secret with its Azure name or why it will not sync', RulePlanSchema),
          404: errorBody('No such destination', []),
          503: errorBody('The sync queue cannot take every association; nothing was stored', ['sync queue is full (queue_capacity=100000); retry later'])
        }
      }),
      response: { 200: envelope(RulePlanSchema) }
    },
    handler: async (request: Req) => {
      const { acl, token } = { acl: request.vaultAcl, token: request.vaultToken }
      if (acl === undefined || token === undefined) throw permissionDenied()
      const body = request.body ?? {}
      const dryRun = request.query.dry_run !== undefined && parseGoBool(request.query.dry_run) === true
      const { type, name, rule } = request.params
      const data = await rules.create(type, name, rule, body, { acl, policies: token.policies }, dryRun)
      const warning = unknownFieldsWarning(body, RULE_FIELDS)
      return ok(request, data, { warnings: warning === undefined ? [] : [warning] })
    }
  })

  app.get(`${base}/:rule`, {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-read-sync-ext-rule',
        summary: 'Read an association rule (vault-sync extension)',
        params,
        responses: { 200: vaultData('The rule', RuleSchema), 404: errorBody('No such rule or destination', []) }
      }),
      response: { 200: envelope(RuleSchema) }
    }
  }, async (request: Req) => ok(request, await rules.read(request.params.type, request.params.name, request.params.rule)))

  app.delete(`${base}/:rule`, {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-delete-sync-ext-rule',
        summary: 'Delete an association rule and unsync exactly the associations it made (vault-sync extension)',
        description: 'Associations another rule also made, and ones set explicitly, stay. A missing rule is not an error.',
        params,
        responses: { 204: noBody('Deleted'), 404: errorBody('No such destination', []) }
      })
    }
  }, async (request: Req, reply: FastifyReply) => {
    await rules.delete(request.params.type, request.params.name, request.params.rule)
    return noContent(reply)
  })

  app.get(`${base}/`, {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-list-sync-ext-rules',
        summary: 'List the association rules of a destination (vault-sync extension)',
        list: true,
        params: { type: params.type, name: params.name },
        responses: { 200: vaultData('Rule names', RuleListSchema), 404: errorBody('No rule, or no such destination', []) }
      }),
      response: { 200: envelope(RuleListSchema) }
    }
  }, async (request: Req) => list(request, await rules.list(request.params.type, request.params.name)))
}
