/**
 * The `sys/sync/*` surface (spec/vault-sync-api.md §2): the activation gate, then each path
 * group. Until secrets sync is activated every `sys/sync/*` request, known path or not, answers
 * the 400 of decisions D-15.1 (after authentication, as Vault checks the token first).
 */
import type { FastifyInstance } from 'fastify'
import { badRequest } from '../../../src/vault/errors.js'
import { vaultPath } from '../../../src/vault/request-target.js'
import type { Services } from '../../../src/services.js'
import { associationRoutes } from './associations.js'
import { syncConfigRoutes } from './config.js'
import { destinationAssociationRoutes } from './destination-associations.js'
import { destinationRoutes } from './destinations.js'

/** D-15.1's text. */
export const NOT_ACTIVATED = 'secrets sync is not activated; activate it with POST sys/activation-flags/secrets-sync/activate'

/** Registers the activation gate and every `sys/sync/*` route. */
export function syncRoutes (app: FastifyInstance, services: Services): void {
  // A gate of the request pipeline (after the token and the ACL, before the body is read).
  app.vaultGates.push((request) => {
    const path = vaultPath(request)
    if (path !== 'sys/sync' && !path.startsWith('sys/sync/')) return
    // Synchronous on a cache hit; a miss reads the storage.
    const activated = services.activation.isActivated('secrets-sync')
    if (activated instanceof Promise) return activated.then((on) => { if (!on) throw badRequest(NOT_ACTIVATED) })
    if (!activated) throw badRequest(NOT_ACTIVATED)
  })
  syncConfigRoutes(app, services)
  destinationRoutes(app, services)
  destinationAssociationRoutes(app, services)
  associationRoutes(app, services)
}
