/**
 * The azure-kv driver: performs a batch of target operations against one Key Vault, each with
 * one attempt, and reports a result per operation (architecture.md; decisions D-3, D-8, D-20,
 * D-31.2, D-32.6). What it guarantees, per field report:
 * - FR-01: a write onto a soft-deleted name recovers it, waits for the recovery, then writes;
 *   a forbidden recover is CLIENT_SIDE_ERROR naming the secret and the missing right. A
 *   recovered secret that is not vault-sync's is adopted with a note, as a live one is (FR-25).
 * - FR-12: a delete happens only when the latest version carries this association's built-in
 *   tag; otherwise the secret is left in place with a note. A disabled latest version, which Get
 *   Secret does not answer (403 `SecretDisabled`), is judged by its tags in the version listing
 *   (`latest-properties.ts`), here and in every other ownership read (FR-25 adoption, FR-23,
 *   the `ownedCheck` guard): a secret of ours someone disabled is still deleted, a disabled
 *   foreign one is neither deleted nor taken over unnoticed. With `purge_on_unsync`, a secret
 *   an earlier attempt deleted but did not purge (the purge failed, or the attempt ended
 *   between the two, a restart included: `DeleteOp.purgePending`) is purged by the retry when
 *   the soft-deleted secret carries that tag.
 * - FR-17: a value over 25,600 characters is refused before any call.
 * - FR-23: a managed (certificate-backed) secret is never written or deleted.
 * - FR-25: the first write of a name onto an existing foreign secret adopts it (new version,
 *   our tags) and says so.
 * - D-8: a tags-only change updates the recorded version's properties instead of a new version;
 *   a drift repair of properties (issue 21) likewise updates tags, content type and `enabled`.
 * - Issue 21: a write with `ownedCheck` (a drift repair, or a target drift found ownership-lost)
 *   first checks the secret is still this association's, and is refused otherwise.
 * Every SDK call runs under the per-vault limiter. Operations of one batch run concurrently.
 */
import type { DeletedSecret, SecretProperties } from '@azure/keyvault-secrets'
import { BUILTIN_TAG_KEY, isOwnedByVaultSync } from '../ownership-tag.js'
import { linkedAbort } from '../linked-abort.js'
import type { DeleteOp, OpResult, TargetOp, WriteOp } from '../target-ops.js'
import { localClientError, remoteClientError, type SyncError } from '../sync-error.js'
import type { AzureKvClient, AzureKvClients, AzureKvConnection } from './azure-kv-client.js'
import { classifyAzureError, innerCode, isTokenRefusal, statusOf } from './azure-kv-errors.js'
import type { OperationKind, VaultLimiter } from './azure-kv-limits.js'
import { readLatestProperties } from './latest-properties.js'
import { createOwnershipMemo } from './ownership-memo.js'

/** Key Vault's largest secret value, in characters (spec/azure-keyvault-api.md §3). */
export const AZURE_MAX_VALUE_LENGTH = 25_600
/** Content types of certificate-backed secrets (FR-23). */
const CERTIFICATE_TYPES = new Set(['application/x-pkcs12', 'application/x-pem-file'])
/** A certificate-backed secret (FR-23): `managed`, or a certificate's content type. */
const isCertificate = (p: SecretProperties): boolean => p.managed === true || CERTIFICATE_TYPES.has(p.contentType ?? '')
/** The note of a write that adopted a foreign secret (FR-25, decisions D-3, D-15.12). */
const ADOPTED_NOTE = 'adopted pre-existing secret'
/** The note of a write that recovered a soft-deleted foreign secret first, then adopted it (FR-01, FR-25). */
const ADOPTED_RECOVERED_NOTE = 'adopted pre-existing secret (recovered from soft-delete)'

interface Written { version: string, updated?: number, note?: string }

/** The version and `updated` time (unix seconds) of a write's answer. */
const written = (p: SecretProperties): Written => ({ version: p.version ?? '', updated: p.updatedOn === undefined ? undefined : Math.floor(p.updatedOn.getTime() / 1000) })

export interface AzureKvDriverDeps {
  clients: AzureKvClients
  limiter: VaultLimiter
  /** Poll interval of Azure long-running operations (delete, recover), ms. */
  pollIntervalMs: number
  /** Bound on one long-running operation, ms; past it the attempt is a transient failure. */
  pollTimeoutMs: number
}

/** Creates the driver. */
export function createAzureKvDriver ({ clients, limiter, pollIntervalMs, pollTimeoutMs }: AzureKvDriverDeps) {
  // A first write's ownership read (or a recovery's adoption) is remembered across its retries for a minute.
  const ownership = createOwnershipMemo(60_000)
  /**
   * Runs `ops` against `conn`'s vault. When Key Vault refuses the token the cached client holds
   * (401 after the challenge: revoked, or expired by Key Vault's clock while the SDK, going by
   * its own, still holds it as valid), the client and credential are built anew (`evict`: once
   * for concurrent refusals, at most once a minute per connection), so a new token is fetched,
   * and the refused operations run once more from their start. Each step of an operation is
   * safe to repeat: reads, a set (the refused one wrote nothing), a delete or recover already
   * done (answered 404 or 409 and handled as on any retry). A 401 that stands is
   * CLIENT_SIDE_ERROR, as before.
   */
  async function apply (conn: AzureKvConnection, ops: TargetOp[], signal?: AbortSignal): Promise<OpResult[]> {
    const { results, used } = await attempt(conn, ops, signal)
    const refused = results.flatMap((r, i) => (!r.ok && isTokenRefusal(r.error) ? [i] : []))
    if (refused.length === 0 || used === undefined || !clients.evict(conn, used)) return results
    const again = await attempt(conn, refused.map((i) => ops[i]), signal)
    refused.forEach((i, k) => { results[i] = again.results[k] })
    return results
  }

  /** One run of `ops` on `conn`'s cached client; `used` is that client (undefined when it could not be built). */
  async function attempt (conn: AzureKvConnection, ops: TargetOp[], signal?: AbortSignal): Promise<{ results: OpResult[], used?: AzureKvClient }> {
    let used: AzureKvClient
    try {
      used = await clients.clientFor(conn)
    } catch (err) {
      const error = classifyAzureError(err, `connect to ${conn.keyVaultUri}`)
      return { results: ops.map(() => ({ ok: false, error })) }
    }
    const { client, origin } = used
    const limited = async <T>(kind: OperationKind, fn: () => Promise<T>): Promise<T> => await limiter.run(origin, kind, fn, signal)
    /** Polls `poller` to its end, within `pollTimeoutMs` (`linked-abort.ts`: why not `AbortSignal.any`). */
    const pollBounded = async (poller: { pollUntilDone: (o: { abortSignal: AbortSignal }) => Promise<unknown> }): Promise<void> => {
      const deadline = linkedAbort(signal, pollTimeoutMs)
      try { await poller.pollUntilDone({ abortSignal: deadline.controller.signal }) } finally { deadline.dispose() }
    }

    /**
     * The latest version's properties, `undefined` when there is none; a disabled one's come from
     * the version listing (`latest-properties.ts`), a tie there resolving to a version `owned` rejects.
     */
    const readLatest = async (name: string, owned: (p: SecretProperties) => boolean): Promise<SecretProperties | undefined> =>
      await readLatestProperties(client, name, { call: async (fn) => await limited('other', fn), signal, owned })

    /**
     * Writes a new version; its id and Azure's `updated` (unix seconds) for the drift evidence.
     * A soft-deleted name (409 `ObjectIsDeletedButRecoverable`) is recovered, then written; when
     * the recovered secret is not vault-sync's (Recover Deleted Secret answers its latest version's
     * tags) the result carries the adoption note, also remembered for a retry of a first write
     * (the recovery may outlast the poll: the retry then writes onto the recovered secret at once).
     */
    async function set (op: WriteOp): Promise<Written> {
      const call = async (): Promise<Written> => written((await limited('write', async () => await client.setSecret(op.name, op.value, { contentType: op.contentType, tags: op.tags, abortSignal: signal }))).properties)
      try {
        return await call()
      } catch (err) {
        if (statusOf(err) !== 409 || innerCode(err) !== 'ObjectIsDeletedButRecoverable') throw classifyAzureError(err, `setSecret "${op.name}"`)
      }
      let note: string | undefined
      try {
        const poller = await limited('other', async () => await client.beginRecoverDeletedSecret(op.name, { intervalInMs: pollIntervalMs, abortSignal: signal }))
        const recovered = poller.getResult()
        if (recovered !== undefined && !isOwnedByVaultSync(recovered.tags)) {
          note = ADOPTED_RECOVERED_NOTE
          if (op.firstWrite) ownership.remember(origin, op.name, { note })
        }
        await pollBounded(poller)
      } catch (err) {
        if (statusOf(err) === 403) {
          throw remoteClientError(`"${op.name}" is soft-deleted in Key Vault and recovering it was refused: grant Microsoft.KeyVault/vaults/secrets/recover/action (${classifyAzureError(err, 'recoverDeletedSecret').message})`)
        }
        throw classifyAzureError(err, `recoverDeletedSecret "${op.name}"`)
      }
      try {
        return { ...await call(), note }
      } catch (err) {
        throw classifyAzureError(err, `setSecret "${op.name}" after recovery`)
      }
    }

    /** Why a guarded write of `name` (a drift repair, or a target drift found ownership-lost: `WriteOp.ownedCheck`) must not happen, or undefined when it may. */
    async function ownershipLost (name: string, check: NonNullable<WriteOp['ownedCheck']>): Promise<string | undefined> {
      const ours = (owner: string | undefined): boolean => owner !== undefined && (owner === check.ownerTagValue || check.siblingTagValues?.includes(owner) === true)
      const latest = await readLatest(name, (p) => ours(p.tags?.[BUILTIN_TAG_KEY]))
      if (latest === undefined) return undefined
      const owner = latest.tags?.[BUILTIN_TAG_KEY]
      if (ours(owner)) return undefined
      if (owner === undefined && latest.version === check.version && latest.managed !== true) return undefined
      const lost = `name "${name}" is owned by someone else in Azure Key Vault (ownership lost): never taken over automatically; associations/set adopts it`
      if (owner !== undefined || latest.managed === true) return lost
      try {
        await limited('other', async () => await client.getSecret(name, { version: check.version, abortSignal: signal }))
        return undefined
      } catch (err) {
        if (statusOf(err) === 404) return lost
        if (statusOf(err) === 403 && innerCode(err) === 'SecretDisabled') return undefined
        throw classifyAzureError(err, `getSecret "${name}"`)
      }
    }

    async function write (op: WriteOp): Promise<OpResult> {
      if (op.value.length > AZURE_MAX_VALUE_LENGTH) {
        return { ok: false, error: localClientError(`value of "${op.name}" is ${op.value.length} characters; Azure Key Vault allows at most ${AZURE_MAX_VALUE_LENGTH}`) }
      }
      const check = op.ownedCheck
      const lost = check === undefined ? undefined : await ownershipLost(op.name, check)
      if (lost !== undefined) return { ok: false, error: localClientError(lost) }
      // D-8 tags-only change, or a drift repair of properties (issue 21): one PATCH, no new version.
      const patched = op.propertiesVersion ?? op.tagsOnlyVersion
      if (patched !== undefined) {
        const properties = op.propertiesVersion !== undefined ? { tags: op.tags, contentType: op.contentType, enabled: true } : { tags: op.tags }
        try {
          const p = await limited('other', async () => await client.updateSecretProperties(op.name, patched, { ...properties, abortSignal: signal }))
          return { ok: true, version: patched, updated: written(p).updated }
        } catch (err) {
          if (statusOf(err) !== 404) throw classifyAzureError(err, `updateSecretProperties "${op.name}"`)
        }
        // The version is gone (the secret was purged meanwhile): look again before writing anew.
        const gone = check === undefined ? undefined : await ownershipLost(op.name, check)
        if (gone !== undefined) return { ok: false, error: localClientError(gone) }
      }
      let note: string | undefined
      if (op.firstWrite) {
        const remembered = ownership.get(origin, op.name)
        if (remembered !== undefined) note = remembered.note
        else {
          const existing = await readLatest(op.name, (p) => !isCertificate(p) && isOwnedByVaultSync(p.tags))
          if (existing !== undefined) {
            if (isCertificate(existing)) return { ok: false, error: localClientError(`name "${op.name}" is taken by a certificate in Azure Key Vault`) }
            if (!isOwnedByVaultSync(existing.tags)) note = ADOPTED_NOTE
          }
          ownership.remember(origin, op.name, { note })
        }
      }
      const w = await set(op)
      if (op.firstWrite) ownership.forget(origin, op.name)
      return { ok: true, version: w.version, note: w.note ?? note, updated: w.updated }
    }

    async function remove (op: DeleteOp): Promise<OpResult> {
      const owned = (p: SecretProperties): boolean => {
        const owner = p.tags?.[BUILTIN_TAG_KEY]
        return owner !== undefined && (owner === op.ownerTagValue || op.formerHolderTagValues?.includes(owner) === true)
      }
      // A disabled latest version is checked by its listed tags like any other (FR-12), then deleted.
      const existing = await readLatest(op.name, owned)
      if (existing === undefined) return op.purge ? await purgeLeftover(op, op.purgePending === true) : { ok: true }
      const tag = existing.tags?.[BUILTIN_TAG_KEY]
      if (!owned(existing) && (tag === undefined || op.formerHolder === undefined || !await op.formerHolder(tag))) return { ok: true, note: 'left in place: not owned by vault-sync' }
      try {
        const poller = await limited('other', async () => await client.beginDeleteSecret(op.name, { intervalInMs: pollIntervalMs, abortSignal: signal }))
        await pollBounded(poller)
      } catch (err) {
        if (statusOf(err) === 404) return op.purge ? await purgeLeftover(op, true) : { ok: true }
        throw classifyAzureError(err, `deleteSecret "${op.name}"`)
      }
      return op.purge ? await purge(op.name) : { ok: true }
    }

    /**
     * `purge_on_unsync` with the live secret gone: an earlier attempt may have deleted it without
     * purging it (the purge failed, or the attempt ended between the two: a crash, a timeout).
     * The soft-deleted secret (Get Deleted Secret) is purged when its latest version carries this
     * association's built-in tag, as a delete requires (FR-12); someone else's is left alone.
     * While a delete is still in progress Key Vault answers Get Deleted Secret 404 (the SDK's
     * delete poller polls on through 404s: keyvault-secrets `lro/delete/operation.ts`) and a purge
     * 409 `ObjectIsBeingDeleted` (spec/azure-keyvault-api.md §2.2-2.3: retry later): so when the
     * delete was sent for this association (`sentDelete`: by this attempt, or by an earlier one,
     * `DeleteOp.purgePending`, which the worker stores across restarts) a 404 is answered with
     * the purge, whose 409 is a transient failure, retried later like any delete still in progress.
     */
    async function purgeLeftover (op: DeleteOp, sentDelete: boolean): Promise<OpResult> {
      let deleted: DeletedSecret
      try {
        deleted = await limited('other', async () => await client.getDeletedSecret(op.name, { abortSignal: signal }))
      } catch (err) {
        if (statusOf(err) === 404) return sentDelete ? await purge(op.name) : { ok: true }
        if (statusOf(err) === 403) return { ok: true, note: `purge not checked: reading the soft-deleted secret was refused (${classifyAzureError(err, 'getDeletedSecret').message})` }
        throw classifyAzureError(err, `getDeletedSecret "${op.name}"`)
      }
      if (deleted.properties.tags?.[BUILTIN_TAG_KEY] !== op.ownerTagValue) return { ok: true }
      return await purge(op.name)
    }

    /**
     * Purges a secret deleted for this association. The delete already succeeded, so a refused
     * purge (403: purge protection, or RBAC without secrets/purge/action) is not a failed unsync:
     * the target is UNSYNCED with a note saying why the soft-deleted secret stays recoverable.
     */
    async function purge (name: string): Promise<OpResult> {
      try {
        await limited('other', async () => { await client.purgeDeletedSecret(name, { abortSignal: signal }) })
        return { ok: true }
      } catch (err) {
        if (statusOf(err) !== 404 && statusOf(err) !== 403) throw classifyAzureError(err, `purgeDeletedSecret "${name}"`)
        if (statusOf(err) === 404) return { ok: true }
        return { ok: true, note: `deleted; purge refused, the secret stays soft-deleted (${classifyAzureError(err, 'purgeDeletedSecret').message})` }
      }
    }

    const results = await Promise.all(ops.map(async (op): Promise<OpResult> => {
      try {
        return op.op === 'write' ? await write(op) : await remove(op)
      } catch (err) {
        return { ok: false, error: classifyAzureError(err, op.op === 'write' ? `setSecret "${op.name}"` : `deleteSecret "${op.name}"`) as SyncError }
      }
    }))
    return { results, used }
  }

  /** Opens the client's token, challenge and keep-alive sockets ahead of its first call (`warm-up.ts`). */
  const warm = async (conn: AzureKvConnection): Promise<void> => { await clients.warm(conn) }

  return { type: 'azure-kv' as const, apply, warm }
}

export type AzureKvDriver = ReturnType<typeof createAzureKvDriver>
