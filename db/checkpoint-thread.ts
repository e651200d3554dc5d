/**
 * WAL checkpoints on a thread of their own (issue 17, fifth session): a PASSIVE checkpoint copies
 * the WAL into the database file and, with `synchronous=NORMAL`, fsyncs it; on the event loop that
 * blocked every request and sync for 1-48 ms once a second on a loaded machine (the propagation
 * p99's tail). Here a second connection on a `worker_threads` thread runs it: SQLite lets any
 * connection checkpoint a WAL database, PASSIVE never waits for readers or writers, and the
 * main connection keeps committing meanwhile. Durability is the same as before (the checkpoint
 * syncs exactly as the main connection's would).
 *
 * After a checkpoint that copied every frame, the thread also starts the WAL over (issue 17, ninth
 * session): it rewrites the database header's `application_id` with its own value, a one-frame
 * commit. SQLite's first commit after a complete checkpoint restarts the WAL and fsyncs its new
 * header, even with `synchronous=NORMAL`; without this that commit was the server's next one, an
 * fsync on the event loop (1-9 ms measured) for nearly every KV write at a few writes a second.
 * The write never waits: when the main connection holds the write lock it is skipped (its commit
 * then appends to a WAL that is not fully copied, which needs no restart either).
 *
 * The thread starts on the first checkpoint (a connection that lives under a second never starts
 * one) and is unref'd. `stop()` closes its connection before returning (waiting at most
 * `STOP_WAIT_MS`), so the main connection's close is again the last one and checkpoints as usual.
 * When the thread cannot start, fails, or leaves 10 requests unanswered, `checkpoint()` returns
 * false from then on and the caller checkpoints on its own connection.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** How long `stop()` waits for the thread to close its connection, ms. */
const STOP_WAIT_MS = 2000
/** Checkpoint requests left unanswered after which the thread is given up. */
const MAX_UNANSWERED = 10

// CommonJS, evaluated on the thread: one connection, a checkpoint per message, close on 'stop'.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 })
db.pragma('synchronous = NORMAL')
db.pragma('journal_size_limit = ' + workerData.walSizeLimit)
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
const restart = db.prepare('PRAGMA application_id = ' + Number(db.pragma('application_id', { simple: true })))
const stopped = new Int32Array(workerData.stopped)
parentPort.on('message', (m) => {
  if (m === 'checkpoint') {
    try {
      const r = checkpoint.get()
      // Every frame copied: this connection starts the WAL over (one frame, the header's fsync)
      // instead of the main connection's next commit. Busy (the main connection writing): skipped.
      if (r.busy === 0 && r.log > 0 && r.checkpointed === r.log) restart.run()
    } catch {}
    parentPort.postMessage('done')
    return
  }
  try { db.close() } catch {}
  Atomics.store(stopped, 0, 1)
  Atomics.notify(stopped, 0)
  parentPort.close()
})
`

export interface CheckpointThread {
  /** Asks the thread for a PASSIVE checkpoint (starting it on first use); false when the thread failed (checkpoint yourself). */
  checkpoint: () => boolean
  /** Closes the thread's connection (waits for it, bounded) and ends the thread. */
  stop: () => void
}

/** A checkpoint thread for the WAL database file at `path`. */
export function createCheckpointThread (path: string, walSizeLimit: number): CheckpointThread {
  let worker: Worker | undefined
  let failed = false
  let unanswered = 0
  const stopped = new Int32Array(new SharedArrayBuffer(4))
  return {
    checkpoint () {
      if (failed) return false
      if (worker === undefined) {
        try {
          worker = new Worker(THREAD, { eval: true, workerData: { path, walSizeLimit, module: createRequire(import.meta.url).resolve('better-sqlite3'), stopped: stopped.buffer } })
        } catch {
          failed = true
          return false
        }
        worker.on('error', () => { failed = true; worker = undefined })
        worker.on('message', () => { unanswered = 0 })
        worker.unref() // after the listeners (a 'message' listener refs the thread again)
      }
      // A thread that answered none of the last few requests (starved, or stuck) is given up:
      // the caller checkpoints on its own connection again, as before the thread.
      if (++unanswered > MAX_UNANSWERED) { failed = true; const w = worker; worker = undefined; void w.terminate(); return false }
      worker.postMessage('checkpoint')
      return true
    },
    stop () {
      const w = worker
      worker = undefined
      failed = true
      if (w === undefined) return
      w.postMessage('stop')
      // The thread answers between two checkpoints; a thread that died never does (bounded wait).
      Atomics.wait(stopped, 0, 0, STOP_WAIT_MS)
      void w.terminate()
    }
  }
}
