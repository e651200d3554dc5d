// Raw HTTPS helpers for emulator tests (undici with the emulator's CA): for the admin API and for
// wire details the SDKs hide. Not a test file.
import { Agent, request } from 'undici'
import type { AkvEmulator } from '../../src/akv-emulator/index.js'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: any
  text: string
}

interface TapLike { teardown: (fn: () => unknown) => void }

/** A raw client bound to one emulator; `call(method, urlOrPath, {body, token, headers})`. */
export function rawClient (t: TapLike, emu: AkvEmulator) {
  const dispatcher = new Agent({ connect: { ca: emu.caPem } })
  t.teardown(async () => { await dispatcher.close() })
  return async function call (method: string, urlOrPath: string, o: { body?: unknown, token?: string, headers?: Record<string, string> } = {}): Promise<RawResponse> {
    const url = urlOrPath.startsWith('https://') ? urlOrPath : `${emu.info.vault_uri}${urlOrPath}`
    const headers: Record<string, string> = { ...o.headers }
    if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`
    let body: string | undefined
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
      headers['content-type'] ??= 'application/json'
    }
    const r = await request(url, { method: method as 'GET', dispatcher, headers, body })
    const text = await r.body.text()
    let parsed: unknown
    try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = undefined }
    return { status: r.statusCode, headers: r.headers, body: parsed, text }
  }
}

/** Admin API call with the emulator's admin token. */
export function adminClient (t: TapLike, emu: AkvEmulator) {
  const call = rawClient(t, emu)
  return async (method: string, path: string, body?: unknown): Promise<RawResponse> =>
    await call(method, `${emu.info.admin_url}${path}`, { body, token: emu.info.admin_token })
}
