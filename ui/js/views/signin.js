// Sign-in: a Vault token, checked with auth/token/lookup-self before it is kept (sessionStorage).
import { api } from '../api.js'
import { html, useState } from '../lib.js'
import { StatusLine } from '../components.js'

export function SignIn ({ onSignedIn, notice }) {
  const [token, setTokenValue] = useState('')
  // `notice`: why the form is back (an expired token), shown until the next attempt.
  const [message, setMessage] = useState(notice ? { error: true, text: notice } : null)
  const [busy, setBusy] = useState(false)
  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    setMessage({ text: 'Checking the token…' })
    try {
      const res = await api('GET', 'auth/token/lookup-self', undefined, { token: token.trim() })
      onSignedIn(token.trim(), res.data)
    } catch (err) {
      setMessage({ error: true, text: err.network ? 'Sign-in failed: cannot reach the server.' : err.status === 403 ? 'Sign-in failed: the server refused this token (permission denied or invalid token).' : `Sign-in failed: ${err.message}` })
    } finally {
      setBusy(false)
    }
  }
  return html`<main class="container"><article class="vs-signin">
    <header><h1>vault-sync</h1><p>Secrets sync to Azure Key Vault: sign in with a Vault token.</p></header>
    <form onSubmit=${submit}>
      <label for="token">Token
        <input id="token" name="token" type="password" autocomplete="off" required value=${token}
          onInput=${(e) => setTokenValue(e.target.value)} aria-describedby="token-help" />
      </label>
      <small id="token-help">The token stays in this browser tab (session storage) and is sent only to this server, in the X-Vault-Token header.</small>
      <button type="submit" aria-busy=${busy} disabled=${busy}>Sign in</button>
    </form>
    <${StatusLine} message=${message} />
  </article></main>`
}
