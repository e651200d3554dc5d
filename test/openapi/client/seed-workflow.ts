/**
 * The seed workflow (decisions D-19) through an `openapi-fetch` client typed by the types
 * `openapi-typescript` generates from openapi.yaml (`openapi-types.ts`, written by
 * `client.test.ts`, not checked in). This folder has its own tsconfig and is type-checked by
 * that test, so a document that drifts from what a client needs fails to compile here.
 */
import createClient from 'openapi-fetch'
import type { components, paths } from './openapi-types.js'

type Schemas = components['schemas']
type Client = ReturnType<typeof createClient<paths>>

/** What the workflow saw, typed by the generated schemas. */
export interface SeedResult {
  statuses: Record<string, number>
  destination: Schemas['AzureKvDestination']
  afterSet: Schemas['SyncDestinationAssociations']
  associations: Schemas['SyncDestinationAssociations']
  afterRemove: Schemas['SyncDestinationAssociations']
  secretVersion: number
  missingError: string[]
}

/** Runs mount, secret, destination, association, read associations, remove against `baseUrl` (`…/v1`). */
export async function seedWorkflow (baseUrl: string, token: string, keyVaultUri: string): Promise<SeedResult> {
  const client = createClient<paths>({ baseUrl, headers: { 'X-Vault-Token': token } })
  const statuses: Record<string, number> = {}
  const assoc = { path: { type: 'azure-kv' as const, name: 'my-azure-1' } }

  const mount = await client.POST('/sys/mounts/{path}', { params: { path: { path: 'my-kv' } }, body: { type: 'kv-v2' } })
  statuses.mount = mount.response.status

  const secret = await client.POST('/{kv_v2_mount_path}/data/{path}', {
    params: { path: { kv_v2_mount_path: 'my-kv', path: 'my-secret' } },
    body: { data: { foo: 'bar' }, options: {} }
  })
  if (secret.data === undefined) throw new Error(`secret write: ${JSON.stringify(secret.error)}`)
  statuses.secret = secret.response.status
  const secretVersion: number = secret.data.data.version

  const destination = await client.POST('/sys/sync/destinations/azure-kv/{name}', {
    params: { path: { name: 'my-azure-1' } },
    body: {
      key_vault_uri: keyVaultUri,
      client_id: '11111111-2222-3333-4444-555555555555',
      client_secret: 'my-client-secret',
      tenant_id: '66666666-7777-8888-9999-000000000000',
      custom_tags: { team: 'payments' }
    }
  })
  if (destination.data === undefined) throw new Error(`destination write: ${JSON.stringify(destination.error)}`)
  statuses.destination = destination.response.status

  const set = await client.POST('/sys/sync/destinations/{type}/{name}/associations/set', { params: assoc, body: { mount: 'my-kv', secret_name: 'my-secret' } })
  if (set.data === undefined) throw new Error(`associations/set: ${JSON.stringify(set.error)}`)
  statuses.set = set.response.status

  const read = await client.GET('/sys/sync/destinations/{type}/{name}/associations', { params: assoc })
  if (read.data === undefined) throw new Error(`associations read: ${JSON.stringify(read.error)}`)
  statuses.read = read.response.status

  const removed = await client.POST('/sys/sync/destinations/{type}/{name}/associations/remove', { params: assoc, body: { mount: 'my-kv', secret_name: 'my-secret' } })
  if (removed.data === undefined) throw new Error(`associations/remove: ${JSON.stringify(removed.error)}`)
  statuses.remove = removed.response.status

  // Errors are typed too: Vault's {"errors": [...]} body.
  const missing = await client.GET('/sys/sync/destinations/azure-kv/{name}', { params: { path: { name: 'nope' } } })
  statuses.missing = missing.response.status
  const missingError: string[] = missing.error?.errors ?? ['(no error body)']

  return {
    statuses,
    destination: destination.data.data,
    afterSet: set.data.data,
    associations: read.data.data,
    afterRemove: removed.data.data,
    secretVersion,
    missingError
  }
}

/** Never called: this compiles only because the generated types reject a mistyped body. */
export async function mistypedBody (client: Client): Promise<unknown> {
  const params = { path: { type: 'azure-kv' as const, name: 'my-azure-1' } }
  // @ts-expect-error `mount` is a string in openapi.yaml
  return await client.POST('/sys/sync/destinations/{type}/{name}/associations/set', { params, body: { mount: 42, secret_name: 'x' } })
}
