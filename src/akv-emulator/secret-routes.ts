/**
 * The Key Vault secrets data plane (spec/azure-keyvault-api.md §1.2): every route of the
 * operation table, for any `api-version`. Literal routes (`/secrets/restore`,
 * `/secrets/{n}/versions`, `/secrets/{n}/backup`) win over `/secrets/{n}/{version}` by method and
 * shape (§1.2 notes); `GET /secrets/{n}/` (the JS SDK's form) and `GET /secrets/{n}` both read the
 * latest version. Bodies arrive as raw strings (the gate answers the challenge before parsing).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorCore } from './core.js'
import { openBackup, sealBackup } from './backup.js'
import { AzureErrors } from './errors.js'
import { OPERATIONS, type OperationInfo } from './operations.js'
import { cutPage, nextLink, readCursor, type Cursor } from './paging.js'
import { deletedBundle, deletedItem, latestVersion, secretBundle, secretItem, type RecoverySettings } from './secret-model.js'
import { checkSecretName, isVersionLike, parseJsonObject, parseMaxResults, parseSetInput, parseUpdateInput, requireApiVersion } from './validation.js'

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown
type Params = { name?: string, version?: string }

const params = (r: FastifyRequest): Params => r.params as Params
const byKey = (next: string | number): Cursor => ({ k: String(next) })
const byOffset = (next: string | number): Cursor => ({ o: Number(next) })

/** The secret name of the URL, validated (400 `BadParameter` for an invalid name). */
const nameOf = (r: FastifyRequest): string => checkSecretName(params(r).name ?? '')

function recovery (r: FastifyRequest): RecoverySettings {
  const s = r.akv.vault.settings
  return { recoverableDays: s.recoverableDays, purgeProtection: s.purgeProtection }
}

/** Registers the data-plane routes on a vault listener. */
export function registerSecretRoutes (app: FastifyInstance, core: EmulatorCore): void {
  const route = (method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST', urls: string[], op: OperationInfo, handler: Handler): void => {
    for (const url of urls) app.route({ method, url, config: { family: 'vault', op }, handler: async (req, reply) => { requireApiVersion(req.query); return await handler(req, reply) } })
  }

  route('PUT', ['/secrets/:name'], OPERATIONS.SetSecret, (r) => {
    const name = nameOf(r)
    const input = parseSetInput(r.body)
    if (r.akv.vault.settings.policy.requireContentType && (input.contentType === undefined || input.contentType === '')) {
      throw AzureErrors.forbiddenByGovernancePolicy('set')
    }
    const { secret, version } = r.akv.vault.store.set(name, input)
    return secretBundle(r.akv.origin, secret, version, recovery(r), true)
  })

  const getLatest: Handler = (r) => {
    const { secret, version } = r.akv.vault.store.get(nameOf(r))
    return secretBundle(r.akv.origin, secret, version, recovery(r), true)
  }
  route('GET', ['/secrets/:name', '/secrets/:name/'], OPERATIONS.GetSecret, getLatest)

  route('GET', ['/secrets/:name/:version'], OPERATIONS.GetSecret, (r) => {
    const name = nameOf(r)
    const v = params(r).version ?? ''
    if (!isVersionLike(v)) throw AzureErrors.secretNotFound(name, v)
    const { secret, version } = r.akv.vault.store.get(name, v)
    return secretBundle(r.akv.origin, secret, version, recovery(r), true)
  })

  route('PATCH', ['/secrets/:name', '/secrets/:name/', '/secrets/:name/:version'], OPERATIONS.UpdateSecret, (r) => {
    const name = nameOf(r)
    const v = params(r).version
    if (v !== undefined && v !== '' && !isVersionLike(v)) throw AzureErrors.secretNotFound(name, v)
    const input = parseUpdateInput(r.body ?? '')
    const { secret, version } = r.akv.vault.store.update(name, v, input)
    return secretBundle(r.akv.origin, secret, version, recovery(r), false)
  })

  route('GET', ['/secrets', '/secrets/'], OPERATIONS.GetSecrets, (r) => {
    const max = parseMaxResults(r.query)
    const cursor = readCursor(r.query)
    const page = cutPage(r.akv.vault.settings.paging, max, cursor, (n) => r.akv.vault.store.listSecrets(cursor.k, n), byKey)
    const rs = recovery(r)
    return {
      value: page.items.map((s) => secretItem(r.akv.origin, s, latestVersion(s), rs, false)),
      nextLink: nextLink(r.akv.origin, '/secrets', requireApiVersion(r.query), page.next, max)
    }
  })

  route('GET', ['/secrets/:name/versions'], OPERATIONS.GetSecretVersions, (r) => {
    const name = nameOf(r)
    const max = parseMaxResults(r.query)
    const cursor = readCursor(r.query)
    const secret = r.akv.vault.store.find(name).secret
    const page = cutPage(r.akv.vault.settings.paging, max, cursor, (n) => r.akv.vault.store.listVersions(name, cursor.o ?? 0, n), byOffset)
    const rs = recovery(r)
    return {
      value: page.items.map((v) => secretItem(r.akv.origin, secret, v, rs, true)),
      nextLink: nextLink(r.akv.origin, `/secrets/${secret.name}/versions`, requireApiVersion(r.query), page.next, max)
    }
  })

  route('DELETE', ['/secrets/:name'], OPERATIONS.DeleteSecret, (r) => {
    const { deleted, soft } = r.akv.vault.store.delete(nameOf(r))
    if (soft) return deletedBundle(r.akv.origin, deleted)
    return secretBundle(r.akv.origin, deleted, latestVersion(deleted), recovery(r), false)
  })

  route('POST', ['/secrets/:name/backup'], OPERATIONS.BackupSecret, (r) => {
    const secret = r.akv.vault.store.exportSecret(nameOf(r))
    return { value: sealBackup(secret, core.backupKey).toString('base64url') }
  })

  route('POST', ['/secrets/restore'], OPERATIONS.RestoreSecret, (r) => {
    const body = parseJsonObject(r.body)
    if (typeof body.value !== 'string' || body.value === '') throw AzureErrors.badParameter('The parameter "value" is required.')
    const secret = r.akv.vault.store.importSecret(openBackup(Buffer.from(body.value, 'base64url'), core.backupKey))
    return secretBundle(r.akv.origin, secret, latestVersion(secret), recovery(r), false)
  })

  route('GET', ['/deletedsecrets', '/deletedsecrets/'], OPERATIONS.GetDeletedSecrets, (r) => {
    const max = parseMaxResults(r.query)
    const cursor = readCursor(r.query)
    const page = cutPage(r.akv.vault.settings.paging, max, cursor, (n) => r.akv.vault.store.listDeleted(cursor.k, n), byKey)
    return {
      value: page.items.map((d) => deletedItem(r.akv.origin, d)),
      nextLink: nextLink(r.akv.origin, '/deletedsecrets', requireApiVersion(r.query), page.next, max)
    }
  })

  route('GET', ['/deletedsecrets/:name'], OPERATIONS.GetDeletedSecret, (r) =>
    deletedBundle(r.akv.origin, r.akv.vault.store.getDeleted(nameOf(r))))

  route('DELETE', ['/deletedsecrets/:name'], OPERATIONS.PurgeDeletedSecret, (r, reply) => {
    r.akv.vault.store.purge(nameOf(r))
    return reply.code(204).send()
  })

  route('POST', ['/deletedsecrets/:name/recover'], OPERATIONS.RecoverDeletedSecret, (r) => {
    const secret = r.akv.vault.store.recover(nameOf(r))
    return secretBundle(r.akv.origin, secret, latestVersion(secret), recovery(r), false)
  })
}
