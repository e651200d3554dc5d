// Small shared pieces: status badges, relative times, the live status line, polling.
import { html, useEffect, useRef, useState } from './lib.js'

export const ERROR_STATUSES = ['CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR']
const WORKING = ['PENDING', 'SYNCING', 'UNSYNCING', 'UNKNOWN']
export const ALL_STATUSES = ['CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR', 'PENDING', 'SYNCING', 'UNSYNCING', 'UNKNOWN', 'SYNCED', 'UNSYNCED']

/** True for Vault's three error statuses. */
export const isError = (s) => ERROR_STATUSES.includes(s)

/** Sort rank: errors first, then work in progress, then the rest. */
export const statusRank = (s) => (isError(s) ? 0 : WORKING.includes(s) ? 1 : 2)

/** A status badge; the text is the status itself (colour is never the only cue). */
export function Badge ({ status }) {
  const kind = isError(status) ? 'error' : status === 'SYNCED' ? 'ok' : WORKING.includes(status) ? 'work' : 'idle'
  return html`<span class=${`vs-badge ${kind}`} data-status=${status}>${status}</span>`
}

/** "12 s ago", "3 min ago" (or "in 10 min" for a future time); the exact time in title and datetime. */
export function Ago ({ at }) {
  if (at === null || at === undefined || at === '') return html`<span class="vs-muted">—</span>`
  const ms = Date.parse(at)
  const delta = Math.round((Date.now() - ms) / 1000)
  const s = Math.abs(delta)
  const span = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 86400 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 86400)} d`
  return html`<time datetime=${at} title=${new Date(ms).toLocaleString()}>${delta < 0 ? `in ${span}` : `${span} ago`}</time>`
}

/** The polite live region where actions report what happened ({ text, error }). */
export function StatusLine ({ message }) {
  const content = message === null || message === undefined ? '' : message.error === true ? html`<span class="error">${message.text}</span>` : message.text
  return html`<p class="vs-status" role="status" aria-live="polite" data-testid="status-line">${content}</p>`
}

/**
 * Calls `load` now and every `intervalMs` while the page is visible (paused when hidden,
 * reloaded at once when it shows again). Returns [data, error, reload].
 */
export function usePoll (load, deps, intervalMs = 5000) {
  const [state, setState] = useState({ data: null, error: null })
  const latest = useRef(load)
  latest.current = load
  const run = useRef(null)
  useEffect(() => {
    let stopped = false
    let timer = null
    const tick = async () => {
      clearTimeout(timer)
      try {
        const data = await latest.current()
        if (!stopped) setState({ data, error: null })
      } catch (error) {
        if (!stopped) setState((s) => ({ data: s.data, error }))
      }
      if (!stopped && document.visibilityState === 'visible') timer = setTimeout(tick, intervalMs)
    }
    run.current = tick
    const onVisibility = () => { if (document.visibilityState === 'visible') tick(); else clearTimeout(timer) }
    document.addEventListener('visibilitychange', onVisibility)
    tick()
    return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', onVisibility) }
  }, deps)
  return [state.data, state.error, () => run.current?.()]
}

/** Navigates within the page (hash routes). */
export const go = (hash) => { location.hash = hash }

/** The error text of a failed call, for the status line. */
export const failure = (what, err) => ({ error: true, text: `${what} failed: ${err.message}` })
