/**
 * One TLS secure context per set of trusted CAs (issue 17). Building a context from Node's 144
 * root certificates plus an operator CA file (`VAULT_SYNC_AZURE_CA_FILE`) parses every
 * certificate: ~20 ms of blocked event loop. Passing `ca: [...]` to an `https.Agent` does that
 * for every new TLS connection, and makes `Agent.getName` concatenate the whole CA text (216 KB)
 * on every request. A prebuilt `secureContext` in the agent's options avoids both: `tls.connect`
 * uses it as is, and `getName` does not look at it (Node's `_http_agent`/`https` sources).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls'

const contexts = new Map<string, SecureContext>()

/**
 * The secure context trusting Node's roots plus the PEM certificates in `caFile`, built once per
 * distinct file content; `undefined` without a CA file (Node's default context applies).
 * @throws when the file cannot be read or holds no valid PEM certificate.
 */
export function secureContextForCaFile (caFile: string | undefined): SecureContext | undefined {
  if (caFile === undefined) return undefined
  const pem = readFileSync(caFile, 'utf8')
  const key = createHash('sha256').update(pem).digest('hex')
  let ctx = contexts.get(key)
  if (ctx === undefined) {
    ctx = createSecureContext({ ca: [...rootCertificates, pem] })
    contexts.set(key, ctx)
  }
  return ctx
}
