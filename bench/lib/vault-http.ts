/** A minimal Vault HTTP client over `fetch` (keep-alive), with the bench root token. */
import { ROOT_TOKEN } from './server-process.js'

export interface VaultResponse {
  status: number
  text: string
  /** Parsed JSON body (undefined for an empty or non-JSON body), parsed on first use. */
  readonly json: any
}

export interface VaultHttp {
  readonly address: string
  call: (method: string, path: string, body?: unknown) => Promise<VaultResponse>
  /** Like `call`, but throws unless the status is 2xx. */
  must: (method: string, path: string, body?: unknown) => Promise<VaultResponse>
}

/** A client of the Vault API at `address` (`http://127.0.0.1:port`); `path` is without `/v1/`. */
export function vaultHttp (address: string, token = ROOT_TOKEN): VaultHttp {
  const call = async (method: string, path: string, body?: unknown): Promise<VaultResponse> => {
    const res = await fetch(`${address}/v1/${path}`, {
      method,
      // Vault's PATCH endpoints take a JSON merge patch.
      headers: { 'X-Vault-Token': token, ...(body === undefined ? {} : { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    let parsed: { v: unknown } | undefined
    return {
      status: res.status,
      text,
      get json (): any {
        if (parsed === undefined) {
          try { parsed = { v: text === '' ? undefined : JSON.parse(text) } } catch { parsed = { v: undefined } }
        }
        return parsed.v
      }
    }
  }
  return {
    address,
    call,
    must: async (method, path, body) => {
      const r = await call(method, path, body)
      if (r.status < 200 || r.status >= 300) throw new Error(`bench: ${method} /v1/${path} answered ${r.status}: ${r.text.slice(0, 500)}`)
      return r
    }
  }
}

/** `associated_secrets` of an azure-kv destination: entry key -> sync status. */
export async function destinationStatuses (vault: VaultHttp, dest: string): Promise<Map<string, string>> {
  const r = await vault.must('GET', `sys/sync/destinations/azure-kv/${dest}/associations`)
  const entries = (r.json.data.associated_secrets ?? {}) as Record<string, { sync_status: string }>
  return new Map(Object.entries(entries).map(([k, v]) => [k, v.sync_status]))
}

/** Counts of each status among a destination's entries. */
export async function statusCounts (vault: VaultHttp, dest: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const s of (await destinationStatuses(vault, dest)).values()) out[s] = (out[s] ?? 0) + 1
  return out
}
