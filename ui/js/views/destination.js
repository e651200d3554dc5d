// One destination: Vault's purge banner, associations (errors first) filterable by status and
// name, each with status, Azure name, updated-ago and last error; Sync now, Unsync (confirmed)
// and "Retry all errored", shown only when sys/capabilities-self allows them.
// Data: Vault's destination read and associations list, plus this destination's part of
// sys/sync-ext/status (Azure name, attempts, next retry, the rules that made it), polled every
// 5 s. "Sync now" and "Retry all errored" call associations/set, which detaches a rule-made
// association from its rules: for those the page asks first.
import { api, can, destPath, plainError } from '../api.js'
import { html, useEffect, useLayoutEffect, useRef, useState } from '../lib.js'
import { Ago, ALL_STATUSES, AsOf, Badge, failure, isError, StaleBanner, statusRank, StatusLine, useCapabilities, usePoll } from '../components.js'

const when = (at) => {
  const d = new Date(Date.parse(at))
  return `${d.toLocaleDateString('en-US', { month: 'short', day: '2-digit', year: 'numeric' })} at ${d.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit' }).toLowerCase()}`
}

/** Vault's delete banner wording (ui/lib/sync destination header). */
function PurgeBanner ({ destination }) {
  if (!destination.purge_initiated_at) return null
  if (destination.purge_error) {
    return html`<div class="vs-banner error" role="alert" data-testid="purge-banner"><strong>Deletion failed</strong>
      <p>There was a problem with the delete purge initiated at ${when(destination.purge_initiated_at)}. ${destination.purge_error}</p></div>`
  }
  return html`<div class="vs-banner" role="status" data-testid="purge-banner"><strong>Deletion in progress</strong>
    <p>Purge initiated on ${when(destination.purge_initiated_at)}. This process may take some time depending on how many secrets must be un-synced from this destination.</p></div>`
}

async function load (type, name) {
  const path = destPath(type, name)
  const [dest, assoc, status] = await Promise.all([
    api('GET', path),
    api('GET', `${path}/associations`),
    api('GET', 'sys/sync-ext/status').catch(() => null)
  ])
  const ext = status?.data.destinations.find((d) => d.type === type && d.name === name)
  const extByKey = new Map((ext?.associations ?? []).map((e) => [e.key, e]))
  const rows = Object.entries(assoc.data.associated_secrets).map(([key, e]) => ({ key, ...e, ext: extByKey.get(key) }))
  rows.sort((a, b) => statusRank(a.sync_status) - statusRank(b.sync_status) || (a.key < b.key ? -1 : 1))
  return { destination: dest.data, rows, ext }
}

/** While `active`, Escape anywhere in the page calls `cancel`. */
function useEscape (active, cancel) {
  const latest = useRef(cancel)
  latest.current = cancel
  useEffect(() => {
    if (!active) return
    const onKey = (e) => { if (e.key === 'Escape') { e.preventDefault(); latest.current() } }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [active])
}

/** "rule a" or "rules a, b". */
const rulesText = (rules) => `${rules.length === 1 ? 'rule' : 'rules'} ${rules.join(', ')}`

/**
 * One association. Its rules (sys/sync-ext/status) are shown; "Sync now" on a rule-made row asks
 * first, since associations/set makes the association the caller's own, detached from its rules.
 * A confirmation is cancelled with Escape; afterwards focus goes back to the button that opened
 * it, or to the table when that button is gone or disabled.
 */
function Row ({ row, mayWrite, onSync, onUnsync, busy }) {
  // null, 'sync' or 'unsync': the action waiting for confirmation.
  const [confirming, setConfirming] = useState(null)
  const confirmRef = useRef(null)
  const syncRef = useRef(null)
  const unsyncRef = useRef(null)
  const rowRef = useRef(null)
  const was = useRef(null)
  useLayoutEffect(() => {
    // Keyboard users land on the confirmation (the button it replaces is gone), and back after it.
    if (confirming !== null) confirmRef.current?.focus()
    else if (was.current !== null) {
      const back = (was.current === 'sync' ? syncRef : unsyncRef).current
      if (back !== null && !back.disabled) back.focus()
      else rowRef.current?.closest('table')?.focus()
    }
    was.current = confirming
  }, [confirming])
  // Escape cancels, wherever focus is (a re-sorted table may have moved it away).
  useEscape(confirming !== null, () => setConfirming(null))
  const label = `${row.mount}/${row.secret_name}${row.sub_key ? ` (key ${row.sub_key})` : ''}`
  const err = isError(row.sync_status)
  const rules = row.ext?.rules ?? []
  // An unsynced or removed association has nothing left to unsync.
  const mayUnsync = mayWrite.remove && row.sync_status !== 'UNSYNCED' && row.ext?.removed !== true
  const confirmation = confirming === 'sync'
    ? html`<div role="group" class="vs-confirm" aria-label=${`Confirm sync of ${label}`} data-testid="confirm-sync-group">
        <p id=${`detach-${row.key}`}>Sync now makes this association your own: it is detached from ${rulesText(rules)}, which no longer manages it.</p>
        <button class="contrast" ref=${confirmRef} aria-describedby=${`detach-${row.key}`} onClick=${() => { setConfirming(null); onSync(row) }} data-testid="confirm-sync">Sync and detach</button>
        <button class="secondary" onClick=${() => setConfirming(null)}>Cancel</button></div>`
    : confirming === 'unsync'
      ? html`<div role="group" class="vs-confirm" aria-label=${`Confirm unsync of ${label}`}>
        ${rules.length > 0 ? html`<p>${rulesText(rules)} will not bring it back.</p>` : null}
        <button class="contrast" ref=${confirmRef} onClick=${() => { setConfirming(null); onUnsync(row) }} data-testid="confirm-unsync">Confirm unsync</button>
        <button class="secondary" onClick=${() => setConfirming(null)}>Cancel</button></div>`
      : null
  return html`<tr ref=${rowRef} class=${err ? 'vs-error-row' : ''} data-testid="association-row" data-status=${row.sync_status}>
    <th scope="row" class="vs-name">${label}${rules.length > 0 ? html`<br /><span class="vs-muted" data-testid="rule-origin">made by ${rulesText(rules)}</span>` : null}</th>
    <td><${Badge} status=${row.sync_status} />${row.ext?.attempts > 0 ? html`<br /><span class="vs-muted">${row.ext.attempts} failed ${row.ext.attempts === 1 ? 'attempt' : 'attempts'}${row.ext.next_attempt_at ? html`, retry <${Ago} at=${row.ext.next_attempt_at} />` : ''}</span>` : null}</td>
    <td class="vs-name"><code>${row.ext?.azure_name ?? '—'}</code>${row.ext?.azure_name_source === 'planned' ? html`<br /><span class="vs-muted">(not written yet)</span>` : null}</td>
    <td><${Ago} at=${row.updated_at} /></td>
    <td class="vs-message" data-testid="message">${err ? row.message ?? '' : ''}</td>
    ${mayWrite.any
? html`<td><div class="vs-actions">
      ${confirmation ?? html`
      ${mayWrite.set ? html`<button class="outline" ref=${syncRef} disabled=${busy} onClick=${() => (rules.length > 0 ? setConfirming('sync') : onSync(row))} aria-label=${`Sync now ${label}`}>Sync now</button>` : null}
      ${mayUnsync ? html`<button class="secondary outline" ref=${unsyncRef} disabled=${busy} onClick=${() => setConfirming('unsync')} aria-label=${`Unsync ${label}`}>Unsync</button>` : null}`}
    </div></td>`
: null}
  </tr>`
}

export function DestinationView ({ type, name }) {
  const path = destPath(type, name)
  const [filter, setFilter] = useState('all')
  const [query, setQuery] = useState('')
  const [message, setMessage] = useState(null)
  const [busy, setBusy] = useState(false)
  const [confirmRetry, setConfirmRetry] = useState(false)
  const retryRef = useRef(null)
  const retryConfirmRef = useRef(null)
  const tableRef = useRef(null)
  const wasConfirmingRetry = useRef(false)
  useLayoutEffect(() => {
    // Focus moves onto the confirmation, and back to the button (or the table) after it.
    if (confirmRetry) retryConfirmRef.current?.focus()
    else if (wasConfirmingRetry.current) (retryRef.current !== null && !retryRef.current.disabled ? retryRef.current : tableRef.current)?.focus()
    wasConfirmingRetry.current = confirmRetry
  }, [confirmRetry])
  useEscape(confirmRetry, () => setConfirmRetry(false))
  const [data, error, reload, meta] = usePoll(() => load(type, name), [type, name])
  // Asked again after a check that got no answer, once a read succeeds (the server is back).
  const caps = useCapabilities([path, `${path}/associations/set`, `${path}/associations/remove`], meta.fetchedAt).caps ?? {}
  if (data === null && error !== null) {
    return html`<h1>${name}</h1><p role="alert">Cannot read this destination: ${error.status === 404 ? 'it does not exist' : plainError(error, 'read this destination')}${error.network ? '; trying again every 5 s' : ''}.</p><a href="#/">Back to the overview</a>`
  }
  if (data === null) return html`<h1>${name}</h1><p aria-busy="true">Loading…</p>`
  const purging = Boolean(data.destination.purge_initiated_at) && !data.destination.purge_error
  const mayWrite = {
    set: can(caps[`${path}/associations/set`], 'update') && !purging,
    remove: can(caps[`${path}/associations/remove`], 'update') && !purging,
    edit: can(caps[path], 'update') && !purging
  }
  mayWrite.any = mayWrite.set || mayWrite.remove
  const act = async (what, fn, denied) => {
    setBusy(true)
    setMessage({ text: `${what}…` })
    try { await fn(); setMessage({ text: `${what}: done.` }) } catch (err) { setMessage(failure(what, err, denied)) } finally { setBusy(false); reload() }
  }
  const body = (row) => ({ mount: row.mount, secret_name: row.secret_name })
  const onSync = (row) => act(`Sync now ${row.mount}/${row.secret_name}`, () => api('POST', `${path}/associations/set`, body(row)), 'sync secrets to this destination')
  const onUnsync = (row) => act(`Unsync ${row.mount}/${row.secret_name}`, () => api('POST', `${path}/associations/remove`, body(row)), 'unsync secrets from this destination')
  const errored = data.rows.filter((r) => isError(r.sync_status))
  const retryAll = () => act(`Retry ${errored.length} errored`, async () => {
    const unique = new Map(errored.map((r) => [`${r.mount}/${r.secret_name}`, r]))
    for (const r of unique.values()) await api('POST', `${path}/associations/set`, body(r))
  }, 'sync secrets to this destination')
  // associations/set detaches a rule-made association from its rules: say so before retrying.
  const erroredRules = [...new Set(errored.flatMap((r) => r.ext?.rules ?? []))].sort()
  const erroredByRule = new Set(errored.filter((r) => (r.ext?.rules ?? []).length > 0).map((r) => `${r.mount}/${r.secret_name}`)).size
  const q = query.trim().toLowerCase()
  const shown = data.rows.filter((r) => (filter === 'all' || (filter === 'errors' ? isError(r.sync_status) : r.sync_status === filter)) &&
    (q === '' || `${r.mount}/${r.secret_name}/${r.sub_key ?? ''} ${r.ext?.azure_name ?? ''}`.toLowerCase().includes(q)))
  const opts = data.destination.options
  return html`<${AsOf.Provider} value=${meta.stale ? meta.fetchedAt : null}>
    <nav aria-label="breadcrumb"><ul><li><a href="#/">Overview</a></li><li>${type}</li><li>${name}</li></ul></nav>
    <div class="vs-toolbar"><h1>${name}</h1>
      ${mayWrite.set ? html`<a role="button" href=${`#/sync?destination=${encodeURIComponent(`${type}/${name}`)}`} data-testid="sync-secret">Sync a secret</a>` : null}
      ${mayWrite.edit ? html`<a role="button" class="secondary" href=${`#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}/edit`}>Edit destination</a>` : null}
      ${mayWrite.set && errored.length > 0 && !confirmRetry ? html`<button class="contrast" ref=${retryRef} disabled=${busy} onClick=${() => (erroredRules.length > 0 ? setConfirmRetry(true) : retryAll())} data-testid="retry-errored">Retry all errored (${errored.length})</button>` : null}
    </div>
    ${mayWrite.set && errored.length > 0 && confirmRetry
? html`<div role="group" class="vs-banner vs-confirm" aria-label="Confirm retry of all errored" data-testid="confirm-retry-group">
      <p>${erroredByRule} of the errored associations ${erroredByRule === 1 ? 'was' : 'were'} made by ${rulesText(erroredRules)}. Retrying makes ${erroredByRule === 1 ? 'it your own: it is' : 'them your own: they are'} detached from ${erroredRules.length === 1 ? 'that rule' : 'those rules'}.</p>
      <button class="contrast" ref=${retryConfirmRef} onClick=${() => { setConfirmRetry(false); retryAll() }} data-testid="confirm-retry">Retry and detach</button>
      <button class="secondary" onClick=${() => setConfirmRetry(false)}>Cancel</button></div>`
: null}
    <${StaleBanner} error=${error} meta=${meta} />
    <${PurgeBanner} destination=${data.destination} />
    <p class="vs-muted">Key Vault <code>${data.ext?.key_vault_host ?? data.destination.connection_details.key_vault_uri}</code> · credential: ${data.ext?.credential_source ?? 'unknown'} · granularity ${opts.granularity_level} · template <code>${opts.secret_name_template}</code></p>
    <${StatusLine} message=${message} />
    <div class="vs-filters" role="search">
      <label for="status-filter">Status
        <select id="status-filter" value=${filter} onChange=${(e) => setFilter(e.target.value)}>
          <option value="all">All (${data.rows.length})</option>
          <option value="errors">Errors (${errored.length})</option>
          ${ALL_STATUSES.map((s) => html`<option key=${s} value=${s}>${s}</option>`)}
        </select></label>
      <label for="name-filter">Secret or Azure name contains
        <input id="name-filter" type="search" value=${query} onInput=${(e) => setQuery(e.target.value)} /></label>
    </div>
    ${data.rows.length === 0
? html`<p data-testid="no-associations">No secret is associated with this destination yet.</p>`
: html`
    <div class="vs-table-scroll"><table data-testid="associations" ref=${tableRef} tabIndex="-1">
      <caption class="visually-hidden">Associations of ${name}, errors first</caption>
      <thead><tr><th scope="col">Secret</th><th scope="col">Status</th><th scope="col">Azure name</th><th scope="col">Updated</th><th scope="col">Last error</th>${mayWrite.any ? html`<th scope="col">Actions</th>` : null}</tr></thead>
      <tbody>${shown.map((r) => html`<${Row} key=${r.key} row=${r} mayWrite=${mayWrite} onSync=${onSync} onUnsync=${onUnsync} busy=${busy} />`)}</tbody>
    </table></div>
    ${shown.length === 0 ? html`<p>No association matches the filters.</p>` : null}`}</${AsOf.Provider}>`
}
