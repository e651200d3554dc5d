/**
 * Key Vault's side of drift detection (issue 21): a metadata sweep over `GET /secrets` that
 * follows `nextLink` until it is absent, whatever the page sizes, empty pages included
 * (spec/azure-keyvault-api.md §1.3; the SDK follows nextLink verbatim, §1.5), under a call budget;
 * and the two reads a suspect may need (src/drift/inspect.ts `DriftReader`). Every call goes
 * through `call`, where the caller puts the vault's limiter (the drift share of its budget).
 * Never logs or returns a value: `latest` hands the value to the classifier only.
 */
import type { SecretClient, SecretProperties } from '@azure/keyvault-secrets'
import { checkTargets, type DriftTarget } from '../../drift/check-round.js'
import type { DriftReader } from '../../drift/inspect.js'
import type { DriftRoundOptions, DriftRoundResult } from '../driver.js'
import type { LatestRead, ListedSecret, RecordedRead } from '../../drift/drift-types.js'
import { classifyAzureError, innerCode, statusOf } from './azure-kv-errors.js'

/** Runs one Azure call (e.g. under `VaultLimiter.run(origin, 'other', fn)`). */
export type CallGate = <T>(fn: () => Promise<T>) => Promise<T>

const direct: CallGate = async (fn) => await fn()

/** Options of {@link sweepSecretList}. */
export interface SweepOptions {
  /** Most LIST calls this sweep may make (>= 1); when the list is longer the sweep stops incomplete. */
  maxCalls: number
  /** `maxresults` per page, 1..25 (default 25); the service may still answer shorter or empty pages. */
  pageSize?: number
  call?: CallGate
  signal?: AbortSignal
}

/** A listed secret with the casing Azure returned. */
export type SweptSecret = ListedSecret & { name: string }

/** What a sweep saw. */
export interface SweepResult {
  /** Every listed secret by lower-cased name (Key Vault names are case-insensitive). */
  listed: Map<string, SweptSecret>
  /** LIST calls made (pages fetched, empty ones included). */
  calls: number
  /**
   * True when the last page had no `nextLink`. False when `maxCalls` stopped the sweep first (also
   * when the budget ran out exactly on the last page: the SDK does not expose the last nextLink),
   * so names missing from `listed` are then unknown, not missing.
   */
  complete: boolean
}

const unixSeconds = (d: Date | undefined): number => (d === undefined ? 0 : Math.floor(d.getTime() / 1000))

/** A `SecretProperties` of a list or a GET as the drift classifier sees it. */
export function listedFromProperties (p: SecretProperties): SweptSecret {
  return {
    name: p.name,
    updated: unixSeconds(p.updatedOn),
    enabled: p.enabled !== false,
    tags: { ...p.tags },
    contentType: p.contentType ?? '',
    managed: p.managed === true
  }
}

/**
 * Pages through the vault's secrets, one call per page, at most `maxCalls` calls.
 * @throws SyncError (classified as the driver's errors) when a call fails; RangeError for bad options.
 */
export async function sweepSecretList (client: SecretClient, o: SweepOptions): Promise<SweepResult> {
  if (!Number.isInteger(o.maxCalls) || o.maxCalls < 1) throw new RangeError('maxCalls must be an integer >= 1')
  const pageSize = o.pageSize ?? 25
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 25) throw new RangeError('pageSize must be an integer 1..25')
  const call = o.call ?? direct
  const pages = client.listPropertiesOfSecrets({ abortSignal: o.signal }).byPage({ maxPageSize: pageSize })
  const listed = new Map<string, SweptSecret>()
  let calls = 0
  try {
    for (;;) {
      // The SDK honours the abort signal on the first page only (later pages follow nextLink bare).
      o.signal?.throwIfAborted()
      if (calls >= o.maxCalls) return { listed, calls, complete: false }
      // After a page without nextLink, next() answers `done` without a request: not counted.
      const page = await call(async () => await pages.next())
      if (page.done === true) return { listed, calls, complete: true }
      calls++
      for (const p of page.value) listed.set(p.name.toLowerCase(), listedFromProperties(p))
    }
  } catch (err) {
    if (o.signal?.aborted === true) throw err
    throw classifyAzureError(err, 'listPropertiesOfSecrets')
  }
}

/** The drift reads of one vault through `client`, each under `call`. */
export function azureKvDriftReader (client: SecretClient, call: CallGate = direct, signal?: AbortSignal): DriftReader {
  const read = async (name: string, version?: string): Promise<LatestRead> => {
    try {
      const s = await call(async () => await client.getSecret(name, { version, abortSignal: signal }))
      const p = listedFromProperties(s.properties)
      return { found: 'active', version: s.properties.version ?? '', updated: p.updated, value: s.value ?? '', tags: p.tags, contentType: p.contentType, managed: p.managed }
    } catch (err) {
      if (statusOf(err) === 404) return { found: 'missing' }
      if (statusOf(err) === 403 && innerCode(err) === 'SecretDisabled') return { found: 'disabled' }
      throw classifyAzureError(err, `getSecret "${name}"`)
    }
  }
  return {
    latest: async (name) => await read(name),
    async version (name, version): Promise<RecordedRead> {
      const r = await read(name, version)
      return r.found === 'active' ? 'present' : r.found === 'disabled' ? 'disabled' : 'absent'
    }
  }
}

/**
 * One drift round over one vault (`SyncDriver.drift`): a sweep of at most `maxCalls - 2` pages
 * (room for one suspect's reads), then the checks of `checkTargets` with the calls left.
 * Every call goes through `call` (the limiter's background lane).
 */
export async function azureKvDriftRound (client: SecretClient, call: CallGate, targets: readonly DriftTarget[], o: DriftRoundOptions): Promise<DriftRoundResult> {
  const sweep = await sweepSecretList(client, { maxCalls: Math.max(1, o.maxCalls - 2), pageSize: o.pageSize, call, signal: o.signal })
  const round = await checkTargets(targets, sweep, azureKvDriftReader(client, call, o.signal), { key: o.key, repairMissing: o.repairMissing, maxReads: o.maxCalls - sweep.calls })
  return { ...round, listCalls: sweep.calls, complete: sweep.complete }
}
