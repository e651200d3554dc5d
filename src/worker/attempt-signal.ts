/**
 * The abort signal of one sync attempt with replicas: aborted when the worker stops (`parent`,
 * with its reason) or when the attempt's vault is lost (`controller.abort()`).
 *
 * Not `AbortSignal.any([parent, controller.signal])`: on Node 20 the long-lived parent keeps a
 * record of every signal ever combined with it (a `WeakRef` in its dependants set, never
 * removed: measured on 20.20, about 56 bytes per attempt, a million attempts 53 MB) for the
 * life of the process. Here the link is one listener, removed by `dispose` when the attempt ends.
 */

/** An attempt's controller, linked to `parent` until `dispose()` (call it once the attempt is over). */
export function attemptController (parent: AbortSignal): { controller: AbortController, dispose: () => void } {
  const controller = new AbortController()
  const onStop = (): void => { controller.abort(parent.reason) }
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onStop, { once: true })
  return { controller, dispose: () => { parent.removeEventListener('abort', onStop) } }
}
