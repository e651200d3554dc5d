/**
 * Connections opened ahead of need (issue 17; the driver's optional `warm`): the worker warms
 * every live destination when it starts, and a destination when it is written (created or
 * changed), so the first sync after either does not pay for a token, an authentication
 * challenge and TLS handshakes on its critical path. Off the sync path and bounded: at most
 * `concurrency` warm-ups run at once, each bounded by its driver, a destination queued twice
 * is warmed once; a failure is logged at debug level and changes nothing (the sync then opens
 * what it needs itself, as it would have). A warm-up also records the destination's vault key
 * (`recordVaultKey`, issue 18), so a new or changed destination's rows are owned by its vault's
 * lease holder from the start.
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { WorkerServices } from './worker-deps.js'
import { destinationConnection } from './work-load.js'

type Deps = Pick<WorkerServices, 'store' | 'destinationService' | 'registry'>

/** Records a destination's vault key (the loader's `recordVaultKey`). */
type RecordVaultKey = (d: Pick<DestinationRow, 'id' | 'vault_key'>, key: string | undefined) => Promise<void>

/** Creates the warm-up queue. */
export function createWarmUps (services: Deps, log: Logger, recordVaultKey?: RecordVaultKey, concurrency = 4) {
  const queue: string[] = []
  const queued = new Set<string>()
  let active = 0
  let waiters: Array<() => void> = []

  async function warmOne (id: string): Promise<void> {
    let d: DestinationRow | undefined
    try {
      d = await services.store.repos.destinations.byId(id)
    } catch (err) {
      // Storage lost, or closed by a shutdown that does not wait for warm-ups (fuzz explorer:
      // this rejection went unhandled and ended the process): nothing to warm.
      log.debug({ destination: id, reason: (err as Error)?.message }, 'sync: reading a destination to warm failed; the first sync opens it')
      return
    }
    if (d === undefined || d.deleted_at !== null || d.purge_state === 'purging') return
    const driver = services.registry.get(d.type)
    if (driver === undefined) return
    try {
      const connection = destinationConnection(driver, await services.destinationService.configOf(d))
      await recordVaultKey?.(d, driver.endpointKey(connection))
      await driver.warm?.(connection)
    } catch (err) {
      // Never the error object: a driver's error text is enough and holds no credentials.
      log.debug({ destination: `${d.type}/${d.name}`, reason: (err as Error)?.message }, 'sync: warming the connection failed; the first sync opens it')
    }
  }

  function pump (): void {
    while (active < concurrency && queue.length > 0) {
      const id = queue.shift()!
      queued.delete(id)
      active++
      void warmOne(id).finally(() => {
        active--
        pump()
        if (active === 0 && queue.length === 0) {
          const done = waiters
          waiters = []
          for (const w of done) w()
        }
      })
    }
  }

  return {
    /** Queues destinations (ids) for a warm-up. */
    add (ids: Iterable<string>): void {
      for (const id of ids) if (!queued.has(id)) { queued.add(id); queue.push(id) }
      pump()
    },
    /** Resolves when no warm-up is queued or running. */
    async settled (): Promise<void> {
      if (active === 0 && queue.length === 0) return
      await new Promise<void>((resolve) => { waiters.push(resolve) })
    }
  }
}
