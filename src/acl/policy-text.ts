/**
 * Policy text -> rules (spec/vault-core-kv-api.md §4.3-4.4, decisions D-27): HCL through
 * `@cdktf/hcl2json` (HCL2, a superset of the policy syntax Vault accepts in practice), JSON
 * through `JSON.parse`; the structure is then validated by `policy-rules.ts`.
 */
import { badRequest, type VaultError } from '../vault/errors.js'
import { decodeString } from '../vault/field-decode.js'
import { PolicyParseError, rulesFromDocument, type PathRule } from './policy-rules.js'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The `policy` (or legacy `rules`) request parameter as text: Vault decodes it first when it
 * is valid base64 (`logical_system.go`).
 * @throws VaultError 400 `'policy' parameter not supplied or empty`.
 */
export function policyParameter (value: unknown): string {
  const text = decodeString(value, 'policy') ?? ''
  if (text.trim() === '') throw badRequest("'policy' parameter not supplied or empty")
  if (BASE64.test(text)) {
    const decoded = Buffer.from(text, 'base64').toString('utf8')
    if (decoded.trim() !== '' && !decoded.includes('\uFFFD')) return decoded
  }
  return text
}

const failed = (message: string): VaultError => badRequest(`failed to parse policy: ${message}`)

/**
 * Parses policy text (HCL, or JSON when it starts with `{`) into its path rules.
 * @throws VaultError 400 `failed to parse policy: <parser or validation message>`.
 */
export async function parsePolicyText (text: string): Promise<PathRule[]> {
  let doc: unknown
  if (text.trimStart().startsWith('{')) {
    try {
      doc = JSON.parse(text)
    } catch (err) {
      throw failed((err as Error).message)
    }
  } else {
    try {
      // Loaded on first use: importing it starts compiling the parser's WebAssembly.
      const { parse } = await import('@cdktf/hcl2json')
      doc = await parse('policy.hcl', text)
    } catch (err) {
      throw failed((err as Error).message)
    }
  }
  try {
    return rulesFromDocument(doc)
  } catch (err) {
    if (err instanceof PolicyParseError) throw failed(err.message)
    throw err
  }
}
