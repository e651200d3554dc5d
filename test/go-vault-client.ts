/**
 * Requests as Vault's Go API client (`hashicorp/vault/api`, used by Terraform and the CLI) sends
 * them, over a real socket: JSON bodies with no Content-Type (merge patch excepted), the token in
 * `X-Vault-Token`, `X-Vault-Request: true`; `Logical().Read` turns a 404 into a nil secret.
 */
import { request } from 'node:http'

export interface GoResponse { status: number, body: any }

/** One HTTP exchange; `body` is JSON-encoded, sent without a Content-Type unless `contentType`. */
export async function goRequest (address: string, token: string, method: string, path: string, body?: unknown, contentType?: string): Promise<GoResponse> {
  const url = new URL(`/v1/${path}`, address)
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  const headers: Record<string, string> = { 'X-Vault-Token': token, 'X-Vault-Request': 'true' }
  if (payload !== undefined) headers['Content-Length'] = String(payload.length)
  if (contentType !== undefined) headers['Content-Type'] = contentType
  return await new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

/** The Go client's `Logical()` calls used by terraform-provider-vault. */
export function goLogical (address: string, token: string) {
  const fail = (r: GoResponse, what: string): never => { throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`) }
  return {
    /** `Logical().Write`: PUT; an error status throws. */
    write: async (path: string, data: Record<string, unknown>) => {
      const r = await goRequest(address, token, 'PUT', path, data)
      return r.status >= 400 ? fail(r, `write ${path}`) : r.body
    },
    /** `Logical().Read`: GET; 404 with no errors is a nil secret. */
    read: async (path: string) => {
      const r = await goRequest(address, token, 'GET', path)
      if (r.status === 404 && (r.body?.errors ?? []).length === 0) return null
      return r.status >= 400 ? fail(r, `read ${path}`) : r.body
    },
    /** `Logical().Delete`: DELETE. */
    delete: async (path: string) => {
      const r = await goRequest(address, token, 'DELETE', path)
      return r.status >= 400 ? fail(r, `delete ${path}`) : r.body
    },
    /** `Logical().JSONMergePatch`: PATCH with the merge-patch content type. */
    jsonMergePatch: async (path: string, data: Record<string, unknown>) => {
      const r = await goRequest(address, token, 'PATCH', path, data, 'application/merge-patch+json')
      return r.status >= 400 ? fail(r, `patch ${path}`) : r.body
    }
  }
}

/**
 * terraform-provider-vault's `secretsSyncAssociationRead` for the resource ID
 * `<type>/dest/<name>/mount/<mount>/secret/<secret_name>`: the mount's accessor, then the
 * destination's associations filtered by accessor and secret name, into the resource's state.
 * @throws Error with the provider's text when no entry is found.
 */
export async function terraformAssociationRead (vault: ReturnType<typeof goLogical>, id: string): Promise<Record<string, unknown>> {
  const m = /^(.+)\/dest\/(.+)\/mount\/(.+)\/secret\/(.+)$/.exec(id)!
  const [, type, dest, mount, secretName] = m
  const accessor = (await vault.read(`sys/mounts/${mount}`)).data.accessor as string
  const resp = await vault.read(`sys/sync/destinations/${type}/${dest}/associations`)
  const status: Record<string, string> = {}
  const updatedAt: Record<string, string> = {}
  const subkeys: string[] = []
  for (const [k, v] of Object.entries(resp.data.associated_secrets as Record<string, Record<string, string>>)) {
    if (v.secret_name === secretName && v.accessor === accessor) {
      status[k] = v.sync_status
      updatedAt[k] = v.updated_at
      if ((v.sub_key ?? '') !== '') subkeys.push(v.sub_key)
    }
  }
  if (Object.keys(status).length === 0) throw new Error(`no associated secrets found for given mount accessor and secret name ${accessor}/${secretName}`)
  return { name: dest, type, mount, secret_name: secretName, sync_status: status, updated_at: updatedAt, subkeys }
}

/**
 * The Go client's `Sys().RemountWithContext` (`api/sys_mounts.go`), which terraform-provider-vault's
 * `vault_mount` calls when its `path` changes: `StartRemountWithContext` (`POST sys/remount`
 * `{"from", "to"}`, reading `data.migration_id`), then `RemountStatusWithContext`
 * (`GET sys/remount/status/<id>`) until `data.migration_info.status` is `success` (resolves) or
 * `failure` (throws the client's text), one second apart; an error status throws. Gives up after
 * `polls` reads (the Go client polls for ever).
 */
export async function goRemount (address: string, token: string, from: string, to: string, polls = 5): Promise<void> {
  const started = await goRequest(address, token, 'POST', 'sys/remount', { from, to })
  if (started.status >= 400) throw new Error(`remount: ${started.status} ${JSON.stringify(started.body)}`)
  const id = started.body.data.migration_id as string
  for (let i = 0; i < polls; i++) {
    const r = await goRequest(address, token, 'GET', `sys/remount/status/${id}`)
    if (r.status >= 400) throw new Error(`remount status: ${r.status} ${JSON.stringify(r.body)}`)
    const status = r.body.data.migration_info.status as string
    if (status === 'success') return
    if (status === 'failure') throw new Error(`Failure! Error encountered moving mount ${from} to ${to}, with migration ID ${id}`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`remount ${id}: neither success nor failure after ${polls} reads`)
}
