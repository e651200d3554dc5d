// Create or edit an azure-kv destination with Vault's field names. The client secret is never
// read back (Vault answers "*****"): the field starts empty and an empty field keeps the stored
// one. The Azure name preview is computed by the server (sys/sync-ext/preview/name) with the
// worker's own template code.
import { api, can, destPath } from '../api.js'
import { html, useEffect, useRef, useState } from '../lib.js'
import { failure, go, StatusLine, useCapabilities } from '../components.js'
import { kvMounts } from '../mounts.js'

const CLOUDS = [['cloud', 'Azure public cloud'], ['usgovernment', 'Azure US Government'], ['china', 'Azure China']]
const IMMUTABLE = ['key_vault_uri', 'tenant_id', 'cloud']

const tagsToText = (tags) => Object.entries(tags ?? {}).map(([k, v]) => `${k}=${v}`).join('\n')
const textToTags = (text) => Object.fromEntries(text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => {
  const i = l.indexOf('=')
  return i < 0 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()]
}))

function Field ({ id, label, help, children }) {
  return html`<div><label for=${id}>${label}</label>${children}${help ? html`<small id=${`${id}-help`}>${help}</small>` : null}</div>`
}

function Preview ({ form, type, editing, mounts }) {
  const [sample, setSample] = useState({ mount: '', path: 'my-app/db-password', key: 'password' })
  const [result, setResult] = useState(null)
  const seq = useRef(0)
  const mount = sample.mount || mounts[0] || 'secret'
  useEffect(() => {
    const n = ++seq.current
    const timer = setTimeout(async () => {
      try {
        const body = { type, mount, secret_name: sample.path || 'x', granularity: form.granularity, secret_name_template: form.secret_name_template, secret_key: sample.key }
        if (editing) body.name = form.name
        else if (form.name) body.name = form.name
        const res = await api('POST', 'sys/sync-ext/preview/name', body)
        if (n === seq.current) setResult(res.data)
      } catch (err) {
        if (n === seq.current) setResult({ failed: err.status === 403 ? 'Your token may not preview names for this mount (it needs update on sys/sync-ext/preview/name and access to the mount).' : err.message })
      }
    }, 250)
    return () => clearTimeout(timer)
  }, [type, mount, sample.path, sample.key, form.granularity, form.secret_name_template, form.name])
  return html`<fieldset class="vs-preview"><legend>Azure name preview</legend>
    <div class="grid">
      <label for="sample-mount">Sample mount<select id="sample-mount" value=${mount} onChange=${(e) => setSample({ ...sample, mount: e.target.value })}>
        ${mounts.map((m) => html`<option key=${m} value=${m}>${m}</option>`)}</select></label>
      <label for="sample-path">Sample secret path<input id="sample-path" value=${sample.path} onInput=${(e) => setSample({ ...sample, path: e.target.value })} /></label>
      ${form.granularity === 'secret-key' ? html`<label for="sample-key">Sample key<input id="sample-key" value=${sample.key} onInput=${(e) => setSample({ ...sample, key: e.target.value })} /></label>` : null}
    </div>
    <p aria-live="polite" data-testid="name-preview">${result === null
? 'Computing…'
      : result.failed
? html`<span class="error">${result.failed}</span>`
      : result.external_name !== null
? html`Azure name: <code class="vs-name">${result.external_name}</code>`
      : html`<span class="error">${result.error}</span>`}</p>
  </fieldset>`
}

export function DestinationForm ({ type, name }) {
  const editing = name !== undefined
  const [form, setForm] = useState({ name: name ?? '', key_vault_uri: '', tenant_id: '', client_id: '', client_secret: '', cloud: 'cloud', granularity: 'secret-path', secret_name_template: '', custom_tags: '', purge_on_unsync: false })
  // A POST replaces the options as a whole: the network rules this form does not show are sent back as read.
  const [network, setNetwork] = useState({})
  const [secretStored, setSecretStored] = useState(false)
  const [loaded, setLoaded] = useState(!editing)
  const [mounts, setMounts] = useState(['secret'])
  const [message, setMessage] = useState(null)
  const [busy, setBusy] = useState(false)
  // The form is for tokens that may write here (a direct URL reaches it too); new names are
  // checked on a sample path, as the overview does.
  const capPath = destPath(type, editing ? name : 'new-destination')
  const capCheck = useCapabilities([capPath])
  const allowed = capCheck.current ? can(capCheck.caps[capPath], editing ? 'update' : 'create') : null
  useEffect(() => { kvMounts().then(setMounts) }, [])
  useEffect(() => {
    if (!editing) return
    api('GET', destPath(type, name)).then((res) => {
      const c = res.data.connection_details
      const o = res.data.options
      setSecretStored(c.client_secret !== undefined)
      setNetwork({ allowed_ipv4_addresses: o.allowed_ipv4_addresses, allowed_ipv6_addresses: o.allowed_ipv6_addresses, allowed_ports: o.allowed_ports, disable_strict_networking: o.disable_strict_networking })
      setForm({ name, key_vault_uri: c.key_vault_uri ?? '', tenant_id: c.tenant_id ?? '', client_id: c.client_id ?? '', client_secret: '', cloud: c.cloud || 'cloud', granularity: o.granularity_level, secret_name_template: o.secret_name_template, custom_tags: tagsToText(o.custom_tags), purge_on_unsync: o.purge_on_unsync === true })
      setLoaded(true)
    }).catch((err) => setMessage(failure('Reading the destination', err, 'read this destination')))
  }, [type, name])
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value })
  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    setMessage({ text: editing ? 'Saving…' : 'Creating…' })
    const body = {
      ...network,
      key_vault_uri: form.key_vault_uri, tenant_id: form.tenant_id, client_id: form.client_id, cloud: form.cloud,
      granularity: form.granularity, secret_name_template: form.secret_name_template, custom_tags: textToTags(form.custom_tags),
      purge_on_unsync: form.purge_on_unsync
    }
    if (form.client_secret !== '') body.client_secret = form.client_secret
    try {
      await api('POST', destPath(type, form.name.trim()), body)
      setForm({ ...form, client_secret: '' })
      go(`#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(form.name.trim())}`)
    } catch (err) {
      setMessage(failure(editing ? 'Saving' : 'Creating the destination', err, editing ? 'change this destination' : 'create destinations'))
    } finally {
      setBusy(false)
    }
  }
  const back = editing ? `#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}` : '#/'
  if (allowed === false) {
    return html`<h1>${editing ? `Edit ${name}` : 'New Azure Key Vault destination'}</h1>
      <p role="alert" data-testid="form-denied">Your token may not ${editing ? 'change this destination' : 'create destinations'} (it needs ${editing ? 'update' : 'create'} on <code>${capPath}</code>).</p>
      <a href=${back}>${editing ? `Back to ${name}` : 'Back to the overview'}</a>`
  }
  // Until the capability check answers (the form is shown anyway when it gets no answer).
  if (allowed === null && !capCheck.failed) return html`<h1>${editing ? `Edit ${name}` : 'New destination'}</h1><p aria-busy="true">Loading…</p>`
  if (!loaded) return html`<h1>Edit ${name}</h1><p aria-busy="true">Loading…</p><${StatusLine} message=${message} />`
  const locked = (k) => editing && IMMUTABLE.includes(k)
  return html`
    <nav aria-label="breadcrumb"><ul><li><a href="#/">Overview</a></li><li>${editing ? html`<a href=${`#/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}`}>${name}</a>` : 'New destination'}</li></ul></nav>
    <h1>${editing ? `Edit ${name}` : 'New Azure Key Vault destination'}</h1>
    <form onSubmit=${submit} data-testid="destination-form">
      <${Field} id="name" label="Name" help="Letters, digits, _, - and .; cannot change later.">
        <input id="name" name="name" required readOnly=${editing} value=${form.name} onInput=${set('name')} aria-describedby="name-help" /></${Field}>
      <${Field} id="key_vault_uri" label="key_vault_uri" help="https://<vault>.vault.azure.net; cannot change later. Empty: the server's KEY_VAULT_URI.">
        <input id="key_vault_uri" name="key_vault_uri" type="url" readOnly=${locked('key_vault_uri')} value=${form.key_vault_uri} onInput=${set('key_vault_uri')} aria-describedby="key_vault_uri-help" /></${Field}>
      <div class="grid">
        <${Field} id="tenant_id" label="tenant_id"><input id="tenant_id" name="tenant_id" readOnly=${locked('tenant_id')} value=${form.tenant_id} onInput=${set('tenant_id')} /></${Field}>
        <${Field} id="client_id" label="client_id"><input id="client_id" name="client_id" value=${form.client_id} onInput=${set('client_id')} /></${Field}>
      </div>
      <${Field} id="client_secret" label="client_secret" help=${secretStored ? 'A client secret is stored and is never shown; leave empty to keep it.' : 'Never shown again after saving. Empty: the server\'s AZURE_CLIENT_SECRET.'}>
        <input id="client_secret" name="client_secret" type="password" autocomplete="new-password" value=${form.client_secret} onInput=${set('client_secret')} aria-describedby="client_secret-help" /></${Field}>
      <div class="grid">
        <${Field} id="cloud" label="cloud"><select id="cloud" name="cloud" disabled=${locked('cloud')} value=${form.cloud} onChange=${set('cloud')}>
          ${CLOUDS.map(([v, l]) => html`<option key=${v} value=${v}>${l} (${v})</option>`)}</select></${Field}>
        <${Field} id="granularity" label="granularity"><select id="granularity" name="granularity" value=${form.granularity} onChange=${set('granularity')}>
          <option value="secret-path">secret-path: one Azure secret per KV secret (JSON)</option>
          <option value="secret-key">secret-key: one Azure secret per top-level key</option></select></${Field}>
      </div>
      <${Field} id="secret_name_template" label="secret_name_template" help="Empty: the granularity's default. Fields such as {{ .MountAccessor }}, {{ .SecretPath }}, {{ .SecretKey }}.">
        <input id="secret_name_template" name="secret_name_template" value=${form.secret_name_template} onInput=${set('secret_name_template')} aria-describedby="secret_name_template-help" /></${Field}>
      <${Preview} form=${form} type=${type} editing=${editing} mounts=${mounts} />
      <${Field} id="custom_tags" label="custom_tags" help="One key=value per line; replaces the stored tags.">
        <textarea id="custom_tags" name="custom_tags" rows="2" value=${form.custom_tags} onInput=${set('custom_tags')} aria-describedby="custom_tags-help"></textarea></${Field}>
      <label for="purge_on_unsync"><input id="purge_on_unsync" type="checkbox" role="switch" checked=${form.purge_on_unsync} onChange=${set('purge_on_unsync')} /> purge_on_unsync: also purge soft-deleted Azure secrets on unsync</label>
      <button type="submit" aria-busy=${busy} disabled=${busy}>${editing ? 'Save' : 'Create destination'}</button>
    </form>
    <${StatusLine} message=${message} />`
}
