// Small shared pieces: status badges, relative times, the live status line, polling with its
// stale-data banner, capability checks.
import { capabilities, plainError } from './api.js'
import { createContext, html, useContext, useEffect, useRef, useState } from './lib.js'

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

/**
 * The instant relative times are counted from: null for now; the time of the data shown while
 * it is stale (the server cannot be read), so "12 s ago" stops advancing.
 */
export const AsOf = createContext(null)

/** "12 s ago", "3 min ago" (or "in 10 min" for a future time); the exact time in title and datetime. */
export function Ago ({ at }) {
  const asOf = useContext(AsOf)
  if (at === null || at === undefined || at === '') return html`<span class="vs-muted">—</span>`
  const ms = Date.parse(at)
  const delta = Math.round(((asOf ?? Date.now()) - ms) / 1000)
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
 * reloaded at once when it shows again). Returns [data, error, reload, meta]: `data` is the last
 * good answer, `error` the last failure (null once a read succeeds again); `meta.fetchedAt` is
 * when `data` was read (ms), `meta.failingSince` when the reads began to fail (null while they
 * succeed), `meta.stale` is true while `data` is shown although the newest read failed.
 */
export function usePoll (load, deps, intervalMs = 5000) {
  const [state, setState] = useState({ data: null, error: null, fetchedAt: null, failingSince: null })
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
        if (!stopped) setState({ data, error: null, fetchedAt: Date.now(), failingSince: null })
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error, failingSince: s.failingSince ?? Date.now() }))
      }
      if (!stopped && document.visibilityState === 'visible') timer = setTimeout(tick, intervalMs)
    }
    run.current = tick
    const onVisibility = () => { if (document.visibilityState === 'visible') tick(); else clearTimeout(timer) }
    document.addEventListener('visibilitychange', onVisibility)
    tick()
    return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', onVisibility) }
  }, deps)
  const meta = { fetchedAt: state.fetchedAt, failingSince: state.failingSince, stale: state.data !== null && state.error !== null }
  return [state.data, state.error, () => run.current?.(), meta]
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })

/**
 * While a poll's data is stale: what failed since when, and the time of the data still shown
 * (the data is not current). Nothing while the reads succeed.
 */
export function StaleBanner ({ error, meta }) {
  if (!meta.stale) return null
  const what = error.network ? 'Server unreachable' : `Refreshing fails (${plainError(error, 'read this')})`
  return html`<div class="vs-banner error" role="alert" data-testid="stale-banner">
    <strong>${what} since ${clock(meta.failingSince)}</strong> — showing data from ${clock(meta.fetchedAt)}; retrying every few seconds.</div>`
}

/**
 * What the token may do on `paths` (sys/capabilities-self), asked again whenever `retryKey`
 * changes until an answer came (a check that got no answer, e.g. while the server was down, is
 * repeated once it is back: pass a poll's `meta.fetchedAt`). Returns { caps, failed, current }:
 * `caps` is null until a first answer, `current` false until `paths` themselves are answered.
 */
export function useCapabilities (paths, retryKey) {
  const key = paths.join('\n')
  const [state, setState] = useState({ key: null, caps: null, failed: false })
  const asking = useRef(null)
  const answered = useRef(null)
  const want = useRef(key)
  want.current = key
  const mounted = useRef(true)
  useEffect(() => () => { mounted.current = false }, [])
  useEffect(() => {
    if (answered.current === key || asking.current === key) return
    asking.current = key
    capabilities(paths).then((caps) => {
      answered.current = key
      if (mounted.current && want.current === key) setState({ key, caps, failed: false })
    }, () => {
      if (mounted.current && want.current === key) setState((s) => ({ ...s, failed: true }))
    }).finally(() => { if (asking.current === key) asking.current = null })
  }, [key, retryKey])
  // Until `paths` are answered, the last answer stands (asked by path: a new path is not granted).
  return { caps: state.caps, failed: state.failed, current: state.key === key }
}

/** Navigates within the page (hash routes). */
export const go = (hash) => { location.hash = hash }

/**
 * The error text of a failed call, for the status line, in plain words (`denied`: what a
 * refused token may not do, e.g. "change this destination").
 */
export const failure = (what, err, denied) => ({ error: true, text: `${what} failed: ${plainError(err, denied)}.` })
