// The operator page: sign-in, then hash routes over Vault's API and sys/sync-ext/status.
//   #/                                   overview
//   #/destinations/<type>/<name>         one destination
//   #/new  #/destinations/<type>/<name>/edit   destination form
//   #/sync?destination=<type>/<name>     sync a secret
import { api, clearToken, getToken, setToken, whenTokenInvalid } from './api.js'
import { html, render, useEffect, useState } from './lib.js'
import { Overview } from './views/overview.js'
import { DestinationView } from './views/destination.js'
import { DestinationForm } from './views/destination-form.js'
import { SyncForm } from './views/sync-form.js'
import { SignIn } from './views/signin.js'

function useHash () {
  const [hash, setHash] = useState(location.hash || '#/')
  useEffect(() => {
    const on = () => setHash(location.hash || '#/')
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return hash
}

function route (hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?')
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent)
  const params = new URLSearchParams(query)
  if (parts[0] === 'new') return { view: 'form' }
  if (parts[0] === 'sync') return { view: 'sync', destination: params.get('destination') ?? '' }
  if (parts[0] === 'destinations' && parts.length >= 3) {
    return { view: parts[3] === 'edit' ? 'form' : 'destination', type: parts[1], name: parts[2] }
  }
  return { view: 'overview' }
}

function ttlText (seconds) {
  if (!seconds) return 'no expiry'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return h > 0 ? `TTL ${h} h ${m} min` : `TTL ${m} min`
}

function Header ({ who, onSignOut }) {
  return html`<header class="vs-top container"><nav aria-label="Main">
    <ul><li><a class="vs-brand" href="#/">vault-sync</a></li><li><a href="#/">Overview</a></li><li><a href="api-docs/">API reference</a></li></ul>
    <ul>
      <li class="vs-who" data-testid="who">Signed in as <strong>${who.display_name}</strong> · policies: ${who.policies.join(', ')} · ${ttlText(who.ttl)}</li>
      <li><button class="secondary outline" onClick=${onSignOut}>Sign out</button></li>
    </ul>
  </nav></header>`
}

const EXPIRED = 'Your token is no longer valid (expired or revoked): sign in again.'

function App () {
  const hash = useHash()
  const [who, setWho] = useState(null)
  const [checking, setChecking] = useState(getToken() !== null)
  // Why the sign-in form is back (the token expired or was revoked), or null.
  const [signedOutBecause, setSignedOutBecause] = useState(null)
  // The stored token could not be checked because the server did not answer.
  const [unreachable, setUnreachable] = useState(false)
  useEffect(() => {
    // Any call with the stored token that the server refuses as "invalid token" ends the session.
    whenTokenInvalid(() => { clearToken(); setWho(null); setSignedOutBecause(EXPIRED) })
  }, [])
  useEffect(() => {
    if (!checking) return
    let timer = null
    const check = () => api('GET', 'auth/token/lookup-self').then((r) => { setWho(r.data); setChecking(false) }).catch((err) => {
      if (err.network) { setUnreachable(true); timer = setTimeout(check, 5000); return }
      // A stored token the server refuses is gone: back to the sign-in form, saying why.
      clearToken()
      setSignedOutBecause(err.invalidToken ? EXPIRED : `The stored token could not be checked (${err.message}): sign in again.`)
      setChecking(false)
    })
    check()
    return () => clearTimeout(timer)
  }, [checking])
  if (checking) {
    return unreachable
      ? html`<main class="container"><p role="alert" data-testid="unreachable">Cannot reach the server to check the stored token; trying again every 5 s.</p></main>`
      : html`<main class="container" aria-busy="true">Checking the stored token…</main>`
  }
  if (who === null) {
    return html`<${SignIn} notice=${signedOutBecause} onSignedIn=${(token, data) => { setToken(token); setSignedOutBecause(null); setWho(data) }} />`
  }
  const r = route(hash)
  const signOut = () => { clearToken(); setSignedOutBecause(null); setWho(null); location.hash = '#/' }
  let view
  if (r.view === 'destination') view = html`<${DestinationView} type=${r.type} name=${r.name} />`
  else if (r.view === 'form') view = html`<${DestinationForm} type=${r.type ?? 'azure-kv'} name=${r.name} />`
  else if (r.view === 'sync') view = html`<${SyncForm} destination=${r.destination} />`
  else view = html`<${Overview} />`
  return html`<${Header} who=${who} onSignOut=${signOut} /><main class="container">${view}</main>`
}

render(html`<${App} />`, document.getElementById('app'))
