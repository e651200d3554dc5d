/**
 * The shapes of drift detection (issue 21), independent of any destination driver: what vault-sync
 * recorded when it settled a write of one target (evidence), what it later observes remotely (one
 * LIST item, then at most two GETs), and the finding it derives. Times are unix seconds, as Azure's
 * `attributes.created`/`updated` (spec/azure-keyvault-api.md §1.3). A finding never holds a value
 * or a digest, so it can be shown in a plan as it is.
 */
import type { DriftKey } from './value-digest.js'

/** Recorded at write time, per association target. */
export interface DriftEvidence {
  /** The remote version written (Azure: 32 lowercase hex). */
  version: string
  /** The remote `updated` time of that version right after the write, unix seconds. */
  updated: number
  /** The tags written, the built-in ownership tag (`hashicorp:vault`, decisions D-3) included. */
  tags: Readonly<Record<string, string>>
  /** The content type written; `''` for none. */
  contentType: string
  /** `valueDigest()` of the rendered value written (value-digest.ts). */
  valueDigest: string
}

/** One item of the remote LIST (Azure `SecretItem`: the latest version's attributes, no version, no value). */
export interface ListedSecret {
  /** Remote `updated` of the latest version, unix seconds. */
  updated: number
  enabled: boolean
  tags: Readonly<Record<string, string>>
  /** `''` when absent. */
  contentType: string
  /** Certificate-backed (Azure `managed`). */
  managed: boolean
}

/** GET of the latest version: its content, or why there is none. */
export type LatestRead =
  | {
    found: 'active'
    version: string
    /** unix seconds */
    updated: number
    value: string
    tags: Readonly<Record<string, string>>
    /** `''` when absent. */
    contentType: string
    managed: boolean
  }
  /** The latest version is disabled (Azure 403 `SecretDisabled`): nothing but that is known. */
  | { found: 'disabled' }
  /** No such secret (404): deleted, purged, or never there. */
  | { found: 'missing' }

/** GET of the recorded version: readable, disabled (403), or gone (404: the whole secret was purged). */
export type RecordedRead = 'present' | 'disabled' | 'absent'

/**
 * What has been observed of one target so far. `listed` is `null` when a complete LIST did not
 * show the name and `undefined` when no LIST was made (a per-secret plan may GET directly).
 */
export interface DriftObservation {
  listed?: ListedSecret | null
  latest?: LatestRead
  recorded?: RecordedRead
}

/** The states of a plan (issue 21). */
export type DriftState = 'in-sync' | 'drifted-metadata' | 'drifted-value' | 'remote-missing' | 'ownership-lost'

/**
 * What differs, as a bounded set (metric label `kind`):
 * `new-version` another version is the latest; `value` its value differs from the one written;
 * `tags`, `content-type`, `disabled` properties; `missing` no such secret; `recreated` the
 * secret was purged and created anew (our version is gone); `foreign-owner` the latest version
 * carries another association's ownership tag; `certificate` a certificate-backed secret took the name.
 */
export type DriftChange = 'new-version' | 'value' | 'tags' | 'content-type' | 'disabled' | 'missing' | 'recreated' | 'foreign-owner' | 'certificate'

/** Every {@link DriftChange}, e.g. for metric labels created at 0. */
export const DRIFT_CHANGES: readonly DriftChange[] = ['new-version', 'value', 'tags', 'content-type', 'disabled', 'missing', 'recreated', 'foreign-owner', 'certificate']

/**
 * What repair would do. Every Azure-touching action is an ordinary job that passes every gate
 * (sync disabled, rate limit, ownership check):
 * - `none`: nothing (in sync, or never allowed: see `reason`);
 * - `refresh-evidence`: record the remote version/time as ours, no Azure call (a benign rewrite);
 * - `update-properties`: one property PATCH of `version` back to the recorded tags and content
 *   type, enabled (no new version);
 * - `write`: re-render from the current KV version and write a new version with the ownership tag;
 * - `recreate`: like `write` for a missing secret (only with `repair_missing`).
 */
export type RepairAction =
  | { kind: 'none', reason?: string }
  | { kind: 'refresh-evidence', version: string, updated: number }
  | { kind: 'update-properties', version: string }
  | { kind: 'write' }
  | { kind: 'recreate' }

/** The verdict on one target. Never a value or a digest. */
export interface DriftFinding {
  state: DriftState
  /** Sorted; empty when nothing at all changed. */
  changes: DriftChange[]
  recorded: { version: string, updated: number }
  /** What was seen remotely, as far as it is known. */
  remote?: { version?: string, updated?: number, enabled?: boolean }
  action: RepairAction
}

/** Which read a classification still needs: GET latest, or GET of the recorded version. */
export type DriftProbe = 'latest' | 'recorded-version'

/** A finding as stored per target after a sweep (`association_targets.drift_finding`): when it was made, epoch ms. */
export type StoredFinding = DriftFinding & { checkedAt: number }

/** Options of a classification: the digest key the evidence was recorded with and whether repair may re-create. */
export interface ClassifyOptions {
  /** The digest key the evidence was recorded with (value-digest.ts). */
  key: DriftKey
  /** Whether repair may re-create a missing secret (destination/global `repair_missing`). */
  repairMissing: boolean
}

/** One owned target of a drift round: an opaque id (e.g. the association target's key), its remote name and evidence. */
export interface DriftTarget {
  id: string
  /** External (remote) name; compared case-insensitively, as Key Vault names are. */
  name: string
  evidence: DriftEvidence
}

/** The outcome of a drift round (check-round.ts). */
export interface RoundResult {
  /** Findings by target id. */
  findings: Map<string, DriftFinding>
  /** Ids of suspects left for the next round (read budget spent). */
  deferred: string[]
  /** Reads made (GETs). */
  reads: number
}
