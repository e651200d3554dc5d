// Both directions of issue 7's "every route is documented" (and decisions D-32.3's examples):
// every route registered in the app appears in openapi.yaml (or is hidden with a reason and
// answers only errors); every documented operation answers, through the route that declares
// it, with a documented status; and every example in the document has the shape of a real
// response recorded while doing so.
import t from 'tap'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { ROOT_TOKEN, startTestServer, tempDir, vault } from '../helper.js'
import { collectOperations, type DocumentedRoute } from '../../src/openapi/generate.js'
import { declaredResponse, documentIndex, type DocOperation } from './document-index.js'
import { shapeDifferences } from './example-shapes.js'
import { answered, recorded, violations } from './response-validation.js'
import { SCENARIO, type ScenarioContext, type Step } from './scenario.js'

type Json = Record<string, any>

const PAGE_PREFIX = '/ui/api-docs'

/** A concrete URL (under /v1) for a documented operation and the step's parameters. */
function urlFor (op: DocOperation, step: Step, ctx: ScenarioContext): string {
  const params = typeof step.params === 'function' ? step.params(ctx) : step.params
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = params?.[name]
    if (v === undefined) throw new Error(`${step.id}: no value for {${name}}`)
    return v
  })
  const query = new URLSearchParams(step.query)
  if ((op.operation.parameters as Json[] | undefined)?.some((p) => p.$ref === '#/components/parameters/List') === true) query.set('list', 'true')
  const qs = query.toString()
  return `/v1${path}${qs === '' ? '' : `?${qs}`}`
}

/** The status a step expects: given, or the operation's only 2xx. */
function expectedStatus (op: DocOperation, step: Step): number {
  if (step.status !== undefined) return step.status
  const ok = Object.keys(op.operation.responses as Json).filter((s) => /^2\d\d$/.test(s))
  if (ok.length !== 1) throw new Error(`${step.id}: give the step a status (2xx: ${ok.join(', ')})`)
  return Number(ok[0])
}

async function run (app: FastifyInstance, step: Step, ctx: ScenarioContext, op: DocOperation): Promise<{ status: number, body: Json | undefined }> {
  // The body goes with the media type the document declares, as a generated client sends it.
  const [media] = Object.entries(op.operation.requestBody?.content ?? {}) as Array<[string, { example?: unknown }]>
  const body = typeof step.body === 'function' ? (step.body as (c: ScenarioContext) => unknown)(ctx) : step.body ?? media?.[1].example
  const headers: Record<string, string> = media === undefined ? {} : { 'content-type': media[0] }
  const token = step.token?.(ctx) ?? ROOT_TOKEN
  const res = await vault(app, op.method.toUpperCase() as 'GET', urlFor(op, step, ctx), { body, token, headers })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() as Json }
}

t.test('every registered route is documented, or hidden with a reason and answering only errors', async (t) => {
  const { app } = await startTestServer(t)
  const { byId } = documentIndex()
  const routes = app.vaultRoutes as DocumentedRoute[]
  const documented = new Set(collectOperations(routes).map((c) => `${c.method} ${c.path} ${c.op.operationId}`))
  for (const route of routes) {
    const label = `${route.methods.join(',')} ${route.url}`
    if (!route.url.startsWith('/v1/')) {
      t.ok(route.url.startsWith(PAGE_PREFIX) && route.unauthenticated, `${label}: only the reference page lives outside /v1 (D-32.4)`)
      continue
    }
    const docs = route.docs
    if (docs === undefined) { t.fail(`${label} has no schema.openapi`); continue }
    if ('hidden' in docs) {
      t.ok(docs.hidden.length > 20, `${label} is hidden: ${docs.hidden}`)
      continue
    }
    const methods = new Set(route.methods.map((m) => ({ HEAD: 'get', PUT: 'post' } as Record<string, string>)[m] ?? m.toLowerCase()))
    const declared = new Set(docs.operations.map((op) => op.method ?? [...methods][0]))
    for (const m of methods) t.ok(declared.has(m), `${label}: method ${m} is documented`)
    for (const op of docs.operations) {
      const d = byId.get(op.operationId)
      t.ok(d !== undefined, `${label}: ${op.operationId} is in openapi.yaml`)
      if (d !== undefined) t.ok(documented.has(`${d.method} ${d.path} ${op.operationId}`), `${label}: ${op.operationId} at ${d.method} ${d.path}`)
    }
  }

  // Hidden routes only ever answer errors (the response hook also fails any 2xx from them).
  for (const route of routes.filter((r) => r.docs !== undefined && 'hidden' in r.docs)) {
    // A type no driver serves, so no documented route is chosen instead.
    const url = route.url.replace(/:type/g, 'aws-sm').replace(/:name/g, 'x')
    for (const method of route.methods) {
      const res = await vault(app, method as 'GET', url, { body: method === 'GET' || method === 'DELETE' ? undefined : {}, headers: method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {} })
      t.ok(res.statusCode >= 400, `${method} ${url} (hidden) -> ${res.statusCode}`)
    }
  }
})

t.test('every documented operation answers, and every example looks like a real answer', async (t) => {
  // sys/audit-hash needs the audit device.
  const { app } = await startTestServer(t, { VAULT_SYNC_AUDIT_FILE: join(tempDir(t), 'audit.log') })
  const { byId } = documentIndex()
  const ctx: ScenarioContext = { tokens: {}, data: {} }
  for (const step of SCENARIO) {
    const op = byId.get(step.id)
    if (op === undefined) { t.fail(`${step.id} is not in openapi.yaml`); continue }
    const status = expectedStatus(op, step)
    const key = `${op.operationId} ${status}`
    const before = answered.get(key) ?? 0
    const res = await run(app, step, ctx, op)
    t.equal(res.status, status, `${op.method.toUpperCase()} ${op.path} (${step.id}) -> ${res.status}${res.status >= 400 ? ` ${JSON.stringify(res.body)}` : ''}`)
    t.ok((answered.get(key) ?? 0) > before, `${step.id}: answered by its own operation with a declared ${status}`)
    if (step.keepAuth !== undefined && res.body?.auth !== undefined) ctx.tokens[step.keepAuth] = res.body.auth
    if (step.keepData !== undefined && res.body?.data !== undefined) ctx.data[step.keepData] = res.body.data
  }
  const walked = new Set(SCENARIO.map((s) => s.id))
  for (const id of byId.keys()) t.ok(walked.has(id), `${id} is called by the scenario`)
  t.same(violations, [], 'no response disagreed with openapi.yaml')

  for (const op of byId.values()) {
    for (const status of Object.keys(op.operation.responses as Json).filter((s) => s !== 'default')) {
      const media = declaredResponse(op, Number(status))?.content?.['application/json'] as Json | undefined
      if (media === undefined) continue
      const examples: unknown[] = media.examples !== undefined ? Object.values(media.examples as Json).map((e) => (e as Json).value) : [media.example]
      for (const example of examples) {
        if (example === undefined || (typeof example === 'object' && example !== null && 'errors' in example)) continue
        const real = recorded.get(`${op.operationId} ${status}`) ?? []
        if (real.length === 0) { t.fail(`${op.operationId} ${status}: the example has no real response to compare with`); continue }
        const diffs = real.map((r) => shapeDifferences(media.schema as Json, example, r))
        const best = diffs.reduce((a, b) => (b.length < a.length ? b : a))
        t.same(best, [], `${op.operationId} ${status}: the example has the shape of a real response`)
      }
    }
  }
})
