/**
 * The whole HTTP surface in one list (like Vault's backend `Paths`), registered explicitly in
 * this order; the catch-all for mounts and unknown routes comes last.
 */
import type { FastifyInstance, FastifySchema } from 'fastify'
import type { RouteDocs } from '../src/openapi/route-doc.js'
import type { Services } from '../src/services.js'
import { tokenRoutes } from './auth/token.js'
import { tokenRoleRoutes } from './auth/token-roles.js'
import { kvEngine, kvOperationDocs } from './kv/index.js'
import { mountDispatchRoutes, type MountHandler } from './mount-dispatch.js'
import { activationFlagRoutes } from './sys/activation-flags.js'
import { auditRoutes } from './sys/audit.js'
import { authMethodRoutes } from './sys/auth-methods.js'
import { authTuneRoutes } from './sys/auth-tune.js'
import { capabilityRoutes } from './sys/capabilities.js'
import { healthRoutes } from './sys/health.js'
import { haStatusRoutes } from './sys/ha-status.js'
import type { HaStatus } from '../src/replicas/ha-status.js'
import { metricsRoutes } from './sys/metrics.js'
import { mountRoutes } from './sys/mounts.js'
import { apiDocsPage, openApiRoutes } from './sys/openapi.js'
import { policyRoutes } from './sys/policies.js'
import { remountRoutes } from './sys/remount.js'
import { syncRoutes } from './sys/sync/index.js'
import { syncExtRoutes } from './sys/sync-ext/index.js'
import { ruleRoutes } from './sys/sync-ext/rules.js'
import { driftRoutes } from './sys/sync-ext/drift.js'
import { uiRoutes } from './ui/index.js'

/**
 * One registered route, as the route walk of the access-control tests and the OpenAPI
 * generator enumerate them; `docs` is the route's `schema.openapi` declaration.
 */
export interface RegisteredRoute { methods: string[], url: string, unauthenticated: boolean, docs?: RouteDocs }

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route `registerRoutes` registered, in order (the catch-all last). */
    vaultRoutes: RegisteredRoute[]
  }
}

/** Registers every route of the API on `app` (and the `/ui/` page when `ui`); they are listed in `app.vaultRoutes`. */
export function registerRoutes (app: FastifyInstance, services: Services, options: { ui?: boolean, ha?: HaStatus } = {}): void {
  const known: string[] = []
  const routes: RegisteredRoute[] = []
  app.decorate('vaultRoutes', routes)
  app.addHook('onRoute', (route) => {
    known.push(route.url)
    routes.push({
      methods: ([] as string[]).concat(route.method),
      url: route.url,
      // Read when asked: a plugin's own onRoute hook (the docs page's) may still set it.
      get unauthenticated () { return (route.config as { unauthenticated?: boolean } | undefined)?.unauthenticated === true },
      docs: (route.schema as FastifySchema | undefined)?.openapi
    })
  })
  healthRoutes(app, services, options.ha)
  haStatusRoutes(app, options.ha)
  activationFlagRoutes(app, services)
  mountRoutes(app, services)
  remountRoutes(app, services)
  tokenRoutes(app, services)
  tokenRoleRoutes(app, services)
  authMethodRoutes(app, services)
  authTuneRoutes(app, services)
  policyRoutes(app, services)
  capabilityRoutes(app, services)
  auditRoutes(app, services)
  metricsRoutes(app, app.metrics)
  syncRoutes(app, services)
  syncExtRoutes(app, services)
  ruleRoutes(app, services)
  driftRoutes(app, services)
  openApiRoutes(app)
  apiDocsPage(app)
  if (options.ui === true) uiRoutes(app)
  // Engines by mount type; vault-sync mounts only KV version 2 (`kvEngine` checks the version).
  const engines: Partial<Record<string, MountHandler>> = { kv: kvEngine(services) }
  mountDispatchRoutes(app, services, engines, known, kvOperationDocs())
}
