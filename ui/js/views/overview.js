// Overview: totals, then every destination (errors first) with its associations by status,
// newest change, Key Vault host and credential source; an empty state with the first two
// steps as curl commands. Data: sys/sync-ext/status (one read), polled every 5 s; while it
// cannot be read, the last data stays with a banner saying since when and from when it is.
import { api, can, destPath, plainError } from '../api.js'
import { html, useEffect, useState } from '../lib.js'
import { Ago, ALL_STATUSES, AsOf, Badge, StaleBanner, useCapabilities, usePoll } from '../components.js'

const CREATE_PATH = 'sys/sync/destinations/azure-kv/new-destination'

function EmptyState ({ canCreate }) {
  const create = `curl -H "X-Vault-Token: $VAULT_TOKEN" -X POST "$VAULT_ADDR/v1/sys/sync/destinations/azure-kv/my-azure-1" \\
  -d '{"key_vault_uri": "'"$AKV_KEY_VAULT_URI"'", "tenant_id": "'"$AKV_TENANT_ID"'",
       "client_id": "'"$AKV_CLIENT_ID"'", "client_secret": "'"$AKV_CLIENT_SECRET"'"}'`
  const sync = `curl -H "X-Vault-Token: $VAULT_TOKEN" -X POST "$VAULT_ADDR/v1/secret/data/my-secret" -d '{"data": {"password": "..."}}'
curl -H "X-Vault-Token: $VAULT_TOKEN" -X POST "$VAULT_ADDR/v1/sys/sync/destinations/azure-kv/my-azure-1/associations/set" \\
  -d '{"mount": "secret", "secret_name": "my-secret"}'`
  return html`<article data-testid="empty-state">
    <header><h2>No destinations yet</h2></header>
    <p>Two steps put a secret in Azure Key Vault. Do them here${canCreate ? '' : ' (your token may not)'} or with curl:</p>
    <ol>
      <li><strong>Create a destination</strong> (an Azure Key Vault and the app registration that may write to it).
        ${canCreate ? html` <a href="#/new" role="button" class="outline">Create a destination</a>` : null}
        <pre class="vs-curl"><code>${create}</code></pre></li>
      <li><strong>Sync a secret</strong>: associate a KV v2 secret with the destination; the worker writes it to Azure.
        <pre class="vs-curl"><code>${sync}</code></pre></li>
    </ol>
  </article>`
}

function Card ({ label, value, error, testid }) {
  return html`<article data-testid=${testid}><span class=${`vs-num${error ? ' error' : ''}`}>${value}</span><span class="vs-muted">${label}</span></article>`
}

function workerText (w) {
  if (w.sync_disabled) return 'paused (sync disabled)'
  if (w.running) return 'running'
  return w.in_process ? 'stopped' : 'not in this process'
}

export function Overview () {
  const [status, error, , meta] = usePoll(async () => (await api('GET', 'sys/sync-ext/status')).data, [])
  // "Sync a secret" needs update on some destination's associations/set; asked again after a
  // check that got no answer (e.g. while the server was down) once a read succeeds.
  const setPaths = (status?.destinations ?? []).map((d) => `${destPath(d.type, d.name)}/associations/set`)
  const caps = useCapabilities([CREATE_PATH, ...setPaths], meta.fetchedAt).caps ?? {}
  const [names, setNames] = useState(null)
  useEffect(() => {
    // Without the status extension, Vault's own list still names the destinations.
    if (error?.status !== 403 || names !== null) return
    api('LIST', 'sys/sync/destinations').then((r) => setNames(Object.entries(r.data.key_info).flatMap(([type, ns]) => ns.map((n) => [type.replace(/\/$/, ''), n]))))
      .catch(() => setNames([]))
  }, [error])
  const canCreate = can(caps[CREATE_PATH], 'create')
  const canSync = setPaths.some((p) => can(caps[p], 'update'))
  if (status === null && error !== null) {
    const why = error.network
      ? 'cannot reach the server; trying again every 5 s'
      : error.status === 403 && !error.invalidToken ? 'your token may not read sys/sync-ext/status (it needs read there)' : plainError(error)
    return html`<h1>Secrets sync</h1><p role="alert" data-testid="overview-error">Cannot read the sync status: ${why}.</p>
      ${names !== null && names.length > 0 ? html`<ul>${names.map(([type, n]) => html`<li key=${`${type}/${n}`}><a href=${`#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(n)}`}>${n}</a> <span class="vs-muted">${type}</span></li>`)}</ul>` : null}`
  }
  if (status === null) return html`<h1>Secrets sync</h1><p aria-busy="true">Loading…</p>`
  const t = status.totals
  const dests = [...status.destinations].sort((a, b) => Number(b.errors > 0) - Number(a.errors > 0))
  return html`<${AsOf.Provider} value=${meta.stale ? meta.fetchedAt : null}>
    <div class="vs-toolbar"><h1>Secrets sync</h1>
      ${canCreate ? html`<a href="#/new" role="button" data-testid="new-destination">New destination</a>` : null}
      ${dests.length > 0 && canSync ? html`<a href="#/sync" role="button" class="secondary" data-testid="sync-secret">Sync a secret</a>` : null}
    </div>
    <${StaleBanner} error=${error} meta=${meta} />
    <section class="vs-cards" aria-label="Totals">
      <${Card} label="destinations" value=${t.destinations} testid="total-destinations" />
      <${Card} label="associations" value=${t.associations} testid="total-associations" />
      <${Card} label="in error" value=${t.errors} error=${t.errors > 0} testid="total-errors" />
      <${Card} label="synced" value=${t.counts.SYNCED} testid="total-synced" />
      <${Card} label=${`queued · worker ${workerText(status.worker)}`} value=${status.queue.depth} testid="queue" />
    </section>
    ${dests.length === 0
? html`<${EmptyState} canCreate=${canCreate} />`
: html`
    <div class="vs-table-scroll"><table data-testid="destinations">
      <caption class="visually-hidden">Destinations, those with errors first</caption>
      <thead><tr><th scope="col">Destination</th><th scope="col">Associations by status</th><th scope="col">Newest change</th><th scope="col">Key Vault host</th><th scope="col">Credential</th></tr></thead>
      <tbody>${dests.map((d) => html`<tr key=${`${d.type}/${d.name}`} class=${d.errors > 0 ? 'vs-error-row' : ''} data-testid="destination-row">
        <th scope="row"><a href=${`#/destinations/${encodeURIComponent(d.type)}/${encodeURIComponent(d.name)}`}>${d.name}</a><br /><span class="vs-muted">${d.type}${d.purge_state !== null ? ` · ${d.purge_state === 'purging' ? 'deletion in progress' : 'deletion failed'}` : ''}</span></th>
        <td><div class="vs-actions">${ALL_STATUSES.filter((s) => d.counts[s] > 0).map((s) => html`<span key=${s}><${Badge} status=${s} /> ${d.counts[s]}</span>`)}
          ${d.associations.length === 0 ? html`<span class="vs-muted">none</span>` : null}</div></td>
        <td><${Ago} at=${d.newest_change} /></td>
        <td><code class="vs-name">${d.key_vault_host || '—'}</code></td>
        <td>${d.credential_source}</td>
      </tr>`)}</tbody>
    </table></div>`}</${AsOf.Provider}>`
}
