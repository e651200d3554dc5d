/**
 * Wake-ups of the sync worker across replicas on PostgreSQL (issue 18, cases PG-2, PG-3): a
 * `PgListener` (`db/pg/listener.ts`, its own dedicated connection) on the outbox channel, which
 * a trigger notifies when a row is queued in any replica's committed transaction
 * (`db/pg/sync-work.ts`). Every notification wakes the worker; so does a reconnect (it may have
 * missed some: rescan) and a listener found deaf (the worker's poll, `pollMs`, covers the time
 * until it hears again). On SQLite the in-process `onEnqueued` wake is all there is.
 */
import { PgListener, type PgListenerOptions } from '../../db/pg/listener.js'
import { OUTBOX_CHANNEL } from '../../db/pg/sync-work.js'
import type { SyncWorker } from './worker.js'

export interface OutboxWakeupOptions extends Pick<PgListenerOptions, 'settings' | 'sendPing' | 'log' | 'pingIntervalMs' | 'pingTimeoutMs'> {
  worker: Pick<SyncWorker, 'wake'>
}

/** Starts listening; resolves the listener (`close()` it at shutdown). */
export async function listenForOutbox ({ worker, ...options }: OutboxWakeupOptions): Promise<PgListener> {
  const listener = new PgListener({
    ...options,
    channels: [OUTBOX_CHANNEL],
    onNotification: () => { worker.wake() },
    onReconnect: () => { worker.wake() },
    onHearing: (hearing) => { if (!hearing) worker.wake() }
  })
  await listener.start()
  return listener
}
