/**
 * A controller linked to a longer-lived signal by one listener that `dispose` removes, optionally
 * aborted after a time as well: the bound on an Azure long-running operation's polling
 * (`VAULT_SYNC_AZURE_POLL_TIMEOUT`, the azure-kv driver) and a replica's sync attempt (the
 * worker's stop signal, or the attempt's vault lost).
 *
 * Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, for two faults of Node 20 (still so
 * on 20.20):
 * - the combined signal holds an `AbortSignal.timeout` source only weakly, and that signal's
 *   timer holds it weakly too, so once the collector takes it the combined signal never aborts
 *   (Node issue 57736): a delete's poll, bounded at 200 ms, ran about a thousand requests a
 *   minute under load until Azure finished;
 * - a long-lived parent keeps a record (a `WeakRef` in its dependants set, never removed) of
 *   every signal ever combined with it, about 56 bytes per attempt for the life of the process.
 * Here the timer holds the controller strongly, and `dispose` clears the timer and the listener,
 * so the parent keeps nothing of an ended operation.
 */

/** A linked controller and the call that unlinks it (clears its timer too); `dispose` is safe to call more than once. */
export interface LinkedAbort {
  controller: AbortController
  dispose: () => void
}

/**
 * A controller aborted when `parent` aborts (with its reason) or, given `timeoutMs`, that many ms
 * after creation (reason: a `TimeoutError` DOMException, as `AbortSignal.timeout` gives),
 * whichever is first. Aborting it never aborts `parent`. Once it aborts, the link is removed.
 */
export function linkedAbort (parent: AbortSignal | undefined, timeoutMs?: number): LinkedAbort {
  const controller = new AbortController()
  const onParentAbort = (): void => { controller.abort(parent?.reason) }
  const timer = timeoutMs === undefined
    ? undefined
    : setTimeout(() => { controller.abort(new DOMException(`the operation did not finish within ${timeoutMs} ms`, 'TimeoutError')) }, timeoutMs)
  timer?.unref()
  const dispose = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    parent?.removeEventListener('abort', onParentAbort)
  }
  controller.signal.addEventListener('abort', dispose, { once: true })
  if (parent?.aborted === true) controller.abort(parent.reason)
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  return { controller, dispose }
}
