// Sync a secret: destination, KV v2 mount and secret path (suggestions from KV LIST), then
// associations/set. Only the path is shown, never the secret's value.
import { api, can, capabilities, destPath } from '../api.js'
import { html, useEffect, useState } from '../lib.js'
import { failure, go, StatusLine } from '../components.js'
import { kvMounts, pathSuggestions } from '../mounts.js'

async function destinations () {
  try {
    const res = await api('LIST', 'sys/sync/destinations')
    return Object.entries(res.data.key_info).flatMap(([type, names]) => names.map((n) => `${type.replace(/\/$/, '')}/${n}`))
  } catch (err) {
    if (err.status === 404) return []
    throw err
  }
}

export function SyncForm ({ destination }) {
  const [dests, setDests] = useState(null)
  const [mounts, setMounts] = useState(['secret'])
  const [form, setForm] = useState({ destination, mount: '', secret_name: '' })
  const [suggestions, setSuggestions] = useState([])
  const [allowed, setAllowed] = useState(true)
  const [message, setMessage] = useState(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    destinations().then((d) => { setDests(d); if (form.destination === '' && d.length > 0) setForm((f) => ({ ...f, destination: d[0] })) })
      .catch((err) => setMessage(failure('Listing destinations', err, 'list destinations')))
    kvMounts().then(setMounts)
  }, [])
  const mount = form.mount || mounts[0]
  const [type, ...rest] = form.destination.split('/')
  const name = rest.join('/')
  const setPath = destination === '' && form.destination === '' ? null : `${destPath(type, name)}/associations/set`
  useEffect(() => { if (setPath !== null && name !== '') capabilities([setPath]).then((c) => setAllowed(can(c[setPath], 'update')), () => setAllowed(true)) }, [setPath])
  useEffect(() => {
    const timer = setTimeout(() => { pathSuggestions(mount, form.secret_name).then(setSuggestions) }, 200)
    return () => clearTimeout(timer)
  }, [mount, form.secret_name])
  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    setMessage({ text: 'Syncing…' })
    try {
      await api('POST', `${destPath(type, name)}/associations/set`, { mount, secret_name: form.secret_name.trim() })
      go(`#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}`)
    } catch (err) {
      setMessage(failure('Sync', err, 'sync secrets to this destination'))
    } finally {
      setBusy(false)
    }
  }
  return html`
    <nav aria-label="breadcrumb"><ul><li><a href="#/">Overview</a></li><li>Sync a secret</li></ul></nav>
    <h1>Sync a secret</h1>
    ${dests !== null && dests.length === 0
? html`<p>There is no destination yet. <a href="#/new">Create one</a> first.</p>`
: html`
    <form onSubmit=${submit} data-testid="sync-form">
      <label for="destination">Destination
        <select id="destination" required value=${form.destination} onChange=${(e) => setForm({ ...form, destination: e.target.value })}>
          ${(dests ?? []).map((d) => html`<option key=${d} value=${d}>${d}</option>`)}</select></label>
      <div class="grid">
        <label for="mount">Mount (KV version 2)
          <select id="mount" value=${mount} onChange=${(e) => setForm({ ...form, mount: e.target.value })}>
            ${mounts.map((m) => html`<option key=${m} value=${m}>${m}</option>`)}</select></label>
        <div><label for="secret_name">Secret path</label>
          <input id="secret_name" required list="secret-suggestions" autocomplete="off" value=${form.secret_name}
            onInput=${(e) => setForm({ ...form, secret_name: e.target.value })} aria-describedby="secret_name-help" />
          <datalist id="secret-suggestions">${suggestions.map((s) => html`<option key=${s} value=${s} />`)}</datalist>
          <small id="secret_name-help">Suggestions come from listing the mount; folders end with /.</small></div>
      </div>
      ${allowed ? html`<button type="submit" aria-busy=${busy} disabled=${busy}>Sync</button>` : html`<p role="alert">Your token may not sync secrets to this destination.</p>`}
    </form>`}
    <${StatusLine} message=${message} />`
}
