/**
 * The bound on one long-running Azure operation's polling (delete, recover): the driver's
 * `VAULT_SYNC_AZURE_POLL_TIMEOUT`, past which the attempt is a transient failure retried later.
 *
 * Built on a plain timer and controller, not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`:
 * Node 20's combined signal holds an `AbortSignal.timeout` source only weakly, and its timer holds
 * that signal weakly too, so once the collector takes the timeout signal the combined one never
 * aborts (Node issue 57736, still so on 20.20). The SDK's poller then polled on until Azure
 * finished: seen under load as one delete polled about a thousand times in a minute with a
 * 200 ms bound, which against a real vault spends the request budget (FR-21's throttling).
 * Here the timer holds the controller strongly, and `dispose` clears the timer and the listener
 * on the attempt's signal, so a long-lived attempt signal keeps nothing of a finished poll.
 */

/** A poll's signal and the call that releases its timer and listener once the poll is over. */
export interface PollDeadline {
  /** Aborted `ms` after creation (reason: a `TimeoutError`, as `AbortSignal.timeout` gives) or when the attempt's signal aborts (its reason). */
  signal: AbortSignal
  /** Clears the timer and the listener; safe to call more than once. */
  dispose: () => void
}

/** A signal aborted after `ms` milliseconds or when `attempt` aborts, whichever is first. */
export function pollDeadline (ms: number, attempt?: AbortSignal): PollDeadline {
  const controller = new AbortController()
  const onAttemptAbort = (): void => { controller.abort(attempt?.reason) }
  const timer = setTimeout(() => { controller.abort(new DOMException(`the operation did not finish within ${ms} ms`, 'TimeoutError')) }, ms)
  timer.unref()
  const dispose = (): void => {
    clearTimeout(timer)
    attempt?.removeEventListener('abort', onAttemptAbort)
  }
  controller.signal.addEventListener('abort', dispose, { once: true })
  if (attempt?.aborted === true) controller.abort(attempt.reason)
  else attempt?.addEventListener('abort', onAttemptAbort, { once: true })
  return { signal: controller.signal, dispose }
}
