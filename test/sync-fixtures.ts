/**
 * Shared inputs and small calls for the secrets-sync tests: a valid `azure-kv` destination
 * body, JSON parsing of injected responses, merge-patch requests.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { vault } from './helper.js'

/** A client secret that must never be seen again after it is written. */
export const CLIENT_SECRET = 'cs~Xq8Q-very-secret-4f7b2e'

/** A complete `azure-kv` destination body (spec/vault-sync-api.md §3.5). */
export const AZURE_BODY = Object.freeze({
  key_vault_uri: 'https://keyvault-1234abcd.vault.azure.net',
  tenant_id: '66666666-7777-8888-9999-000000000000',
  client_id: '11111111-2222-3333-4444-555555555555',
  client_secret: CLIENT_SECRET
})

/** The parsed JSON body of a response. */
export function json<T = any> (res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T
}

/** PATCH with `application/merge-patch+json`. */
export async function mergePatch (app: FastifyInstance, url: string, body: unknown): Promise<LightMyRequestResponse> {
  return await vault(app, 'PATCH', url, { body, headers: { 'content-type': 'application/merge-patch+json' } })
}

/** Creates `azure-kv/<name>` with `AZURE_BODY` plus `extra`; returns the response. */
export async function createAzureDestination (app: FastifyInstance, name: string, extra: Record<string, unknown> = {}): Promise<LightMyRequestResponse> {
  return await vault(app, 'POST', `/v1/sys/sync/destinations/azure-kv/${name}`, { body: { ...AZURE_BODY, ...extra } })
}

/** Writes a KV v2 secret through the API. */
export async function putSecret (app: FastifyInstance, mount: string, path: string, data: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return await vault(app, 'PUT', `/v1/${mount}/data/${path}`, { body: { data } })
}
