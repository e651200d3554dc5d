// One destination: Vault's purge banner, associations (errors first) filterable by status and
// name, each with status, Azure name, updated-ago and last error; Sync now, Unsync (confirmed)
// and "Retry all errored", shown only when sys/capabilities-self allows them.
// Data: Vault's destination read and associations list, plus this destination's part of
// sys/sync-ext/status (Azure name, attempts, next retry), polled every 5 s.
import { api, can, capabilities, destPath } from '../api.js'
import { html, useEffect, useRef, useState } from '../lib.js'
import { Ago, ALL_STATUSES, Badge, failure, isError, statusRank, StatusLine, usePoll } from '../components.js'

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

function Row ({ row, mayWrite, onSync, onUnsync, busy }) {
  const [confirming, setConfirming] = useState(false)
  const confirmRef = useRef(null)
  // Keyboard users land on the confirmation (the Unsync button it replaces is gone).
  useEffect(() => { if (confirming) confirmRef.current?.focus() }, [confirming])
  const label = `${row.mount}/${row.secret_name}${row.sub_key ? ` (key ${row.sub_key})` : ''}`
  const err = isError(row.sync_status)
  return html`<tr class=${err ? 'vs-error-row' : ''} data-testid="association-row" data-status=${row.sync_status}>
    <th scope="row" class="vs-name">${label}</th>
    <td><${Badge} status=${row.sync_status} />${row.ext?.attempts > 0 ? html`<br /><span class="vs-muted">${row.ext.attempts} failed ${row.ext.attempts === 1 ? 'attempt' : 'attempts'}${row.ext.next_attempt_at ? html`, retry <${Ago} at=${row.ext.next_attempt_at} />` : ''}</span>` : null}</td>
    <td class="vs-name"><code>${row.ext?.azure_name ?? '—'}</code>${row.ext?.azure_name_source === 'planned' ? html`<br /><span class="vs-muted">(not written yet)</span>` : null}</td>
    <td><${Ago} at=${row.updated_at} /></td>
    <td class="vs-message" data-testid="message">${err ? row.message ?? '' : ''}</td>
    ${mayWrite.any
? html`<td><div class="vs-actions">
      ${mayWrite.set ? html`<button class="outline" disabled=${busy} onClick=${() => onSync(row)} aria-label=${`Sync now ${label}`}>Sync now</button>` : null}
      ${mayWrite.remove && !confirming ? html`<button class="secondary outline" disabled=${busy} onClick=${() => setConfirming(true)} aria-label=${`Unsync ${label}`}>Unsync</button>` : null}
      ${mayWrite.remove && confirming
? html`<span role="group" aria-label=${`Confirm unsync of ${label}`}>
        <button class="contrast" ref=${confirmRef} onClick=${() => { setConfirming(false); onUnsync(row) }} data-testid="confirm-unsync">Confirm unsync</button>
        <button class="secondary" onClick=${() => setConfirming(false)}>Cancel</button></span>`
: null}
    </div></td>`
: null}
  </tr>`
}

export function DestinationView ({ type, name }) {
  const path = destPath(type, name)
  const [caps, setCaps] = useState({})
  const [filter, setFilter] = useState('all')
  const [query, setQuery] = useState('')
  const [message, setMessage] = useState(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => { capabilities([path, `${path}/associations/set`, `${path}/associations/remove`]).then(setCaps) }, [path])
  const [data, error, reload] = usePoll(() => load(type, name), [type, name])
  if (data === null && error !== null) return html`<h1>${name}</h1><p role="alert">Cannot read this destination: ${error.status === 404 ? 'it does not exist' : error.message}</p><a href="#/">Back to the overview</a>`
  if (data === null) return html`<h1>${name}</h1><p aria-busy="true">Loading…</p>`
  const purging = Boolean(data.destination.purge_initiated_at) && !data.destination.purge_error
  const mayWrite = {
    set: can(caps[`${path}/associations/set`], 'update') && !purging,
    remove: can(caps[`${path}/associations/remove`], 'update') && !purging,
    edit: can(caps[path], 'update') && !purging
  }
  mayWrite.any = mayWrite.set || mayWrite.remove
  const act = async (what, fn) => {
    setBusy(true)
    setMessage({ text: `${what}…` })
    try { await fn(); setMessage({ text: `${what}: done.` }) } catch (err) { setMessage(failure(what, err)) } finally { setBusy(false); reload() }
  }
  const body = (row) => ({ mount: row.mount, secret_name: row.secret_name })
  const onSync = (row) => act(`Sync now ${row.mount}/${row.secret_name}`, () => api('POST', `${path}/associations/set`, body(row)))
  const onUnsync = (row) => act(`Unsync ${row.mount}/${row.secret_name}`, () => api('POST', `${path}/associations/remove`, body(row)))
  const errored = data.rows.filter((r) => isError(r.sync_status))
  const retryAll = () => act(`Retry ${errored.length} errored`, async () => {
    const unique = new Map(errored.map((r) => [`${r.mount}/${r.secret_name}`, r]))
    for (const r of unique.values()) await api('POST', `${path}/associations/set`, body(r))
  })
  const q = query.trim().toLowerCase()
  const shown = data.rows.filter((r) => (filter === 'all' || (filter === 'errors' ? isError(r.sync_status) : r.sync_status === filter)) &&
    (q === '' || `${r.mount}/${r.secret_name}/${r.sub_key ?? ''} ${r.ext?.azure_name ?? ''}`.toLowerCase().includes(q)))
  const opts = data.destination.options
  return html`
    <nav aria-label="breadcrumb"><ul><li><a href="#/">Overview</a></li><li>${type}</li><li>${name}</li></ul></nav>
    <div class="vs-toolbar"><h1>${name}</h1>
      ${mayWrite.set ? html`<a role="button" href=${`#/sync?destination=${encodeURIComponent(`${type}/${name}`)}`} data-testid="sync-secret">Sync a secret</a>` : null}
      ${mayWrite.edit ? html`<a role="button" class="secondary" href=${`#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}/edit`}>Edit destination</a>` : null}
      ${mayWrite.set && errored.length > 0 ? html`<button class="contrast" disabled=${busy} onClick=${retryAll} data-testid="retry-errored">Retry all errored (${errored.length})</button>` : null}
    </div>
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
    <table data-testid="associations">
      <caption class="visually-hidden">Associations of ${name}, errors first</caption>
      <thead><tr><th scope="col">Secret</th><th scope="col">Status</th><th scope="col">Azure name</th><th scope="col">Updated</th><th scope="col">Last error</th>${mayWrite.any ? html`<th scope="col">Actions</th>` : null}</tr></thead>
      <tbody>${shown.map((r) => html`<${Row} key=${r.key} row=${r} mayWrite=${mayWrite} onSync=${onSync} onUnsync=${onUnsync} busy=${busy} />`)}</tbody>
    </table>
    ${shown.length === 0 ? html`<p>No association matches the filters.</p>` : null}`}`
}
