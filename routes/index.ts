/**
 * The whole HTTP surface in one list (like Vault's backend `Paths`), registered explicitly in
 * this order; the catch-all for mounts and unknown routes comes last.
 */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../src/services.js'
import { tokenRoutes } from './auth/token.js'
import { kvEngine } from './kv/index.js'
import { mountDispatchRoutes, type MountHandler } from './mount-dispatch.js'
import { activationFlagRoutes } from './sys/activation-flags.js'
import { healthRoutes } from './sys/health.js'
import { mountRoutes } from './sys/mounts.js'

/** Registers every route of the API on `app`. */
export function registerRoutes (app: FastifyInstance, services: Services): void {
  const known: string[] = []
  app.addHook('onRoute', (route) => { known.push(route.url) })
  healthRoutes(app, services)
  activationFlagRoutes(app, services)
  mountRoutes(app, services)
  tokenRoutes(app, services)
  // Engines by mount type; vault-sync mounts only KV version 2 (`kvEngine` checks the version).
  const engines: Partial<Record<string, MountHandler>> = { kv: kvEngine(services) }
  mountDispatchRoutes(app, services, engines, known)
}
