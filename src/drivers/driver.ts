/**
 * The driver contract: the one seam between the sync domain and a destination type
 * (docs/architecture.md "Driver contract"). A `SyncDriver` carries everything that differs from
 * one destination type to another, so the services, the plan and the worker work through a
 * registry and never name a type:
 * - configuration: which connection fields the type takes, how a write changes them (validation
 *   problems come back as data, `{ error }`, and become Vault 400s in the service), defaults
 *   (env fallbacks) and redaction on reads;
 * - names: how a rendered template becomes an external name, and which names collide;
 * - limits: tags per secret, tag length, value size (for validation messages and the plan);
 * - the push half: the effective connection, the endpoint key (rate limits and "same store"
 *   checks are per endpoint), and `apply`, ONE attempt per operation with classified errors
 *   (`SyncError` in each `OpResult`). A driver never touches the database, never sleeps for
 *   backoff and never retries across attempts: the worker owns that.
 * A driver imports nothing of `db/`, `src/sync`, `src/vault` or `src/worker` (checked by
 * dependency-cruiser).
 */
import type { TObject, TSchema } from 'typebox'
import type { ClassifyOptions, DriftTarget, RoundResult } from '../drift/drift-types.js'
import type { NetworkRules, OpResult, TargetOp } from './target-ops.js'

/** How a request is applied: create, POST/PUT update, or PATCH (merge-patch). */
export type WriteMode = 'create' | 'update' | 'patch'

/** A destination's connection as stored: plain fields, and secret fields (sealed at rest). */
export interface StoredConnection {
  /** Non-secret connection fields, stored as sent (`""` when absent: a default applies). */
  connection: Record<string, string>
  /** Secret fields in clear, only in memory; sealed at rest, redacted on reads. */
  secrets: Record<string, string>
}

/** A configuration problem, as data: the service turns it into a Vault 400 with this text. */
export interface ConfigProblem { error: string }

/** An external name, or why the rendered template cannot be one (D-20). */
export type ExternalName = { name: string } | ConfigProblem

/** One rendered target: `key` identifies it in messages (a KV key, or `<mount>/<path>`). */
export interface NamedTarget {
  readonly key: string
  readonly name: string
}

/** Targets whose names collide in the destination; `name` is the shared (collision-key) name. */
export interface NameCollision {
  readonly name: string
  readonly targets: readonly NamedTarget[]
}

/** Limits of one destination type, for validation and messages. */
export interface DestinationLimits {
  /** How the destination is called in messages, e.g. `Azure`. */
  readonly label: string
  /** Tags per secret the destination allows, the built-in ownership tag included. */
  readonly maxTags: number
  /** Longest tag key or value, in UTF-16 code units. */
  readonly maxTagLength: number
  /** Largest secret value, in characters. */
  readonly maxValueLength: number
}

/**
 * One destination type. `C` is its effective connection (what `apply` works with); the registry
 * holds drivers as `SyncDriver` (methods taking `C` are declared as methods, so any driver fits).
 */
export interface SyncDriver<C = unknown> {
  /** The URL segment and registry key, e.g. `azure-kv`. */
  readonly type: string

  /** Connection fields the type takes, each decoded as a string by the service. */
  readonly connectionFields: readonly string[]
  /** Fields the type accepts and ignores (no "unrecognized parameters" warning). */
  readonly ignoredFields: readonly string[]
  /**
   * Applies decoded connection fields (`undefined`: not sent) to `stored` (`undefined` for a
   * create). Returns the new connection, or the problem (nothing is stored then).
   */
  writeConnection: (stored: StoredConnection | undefined, fields: Readonly<Record<string, string | undefined>>) => StoredConnection | ConfigProblem
  /** TypeBox schema of `connection_details` on reads (undeclared fields are never serialized). */
  readonly connectionDetailsSchema: TSchema
  /** TypeBox schema of the type's connection fields in a write, for the OpenAPI document. */
  readonly connectionRequestSchema: TObject
  /** The `connection_details` of a read, secrets redacted (or absent when unset). */
  connectionDetails: (stored: StoredConnection) => Record<string, unknown>

  /** Normalises a rendered template into the destination's naming rules. */
  externalName: (rendered: string) => ExternalName
  /** Names with the same key collide in the destination (e.g. lower-cased for Azure). */
  collisionKey: (name: string) => string
  /** The CLIENT_SIDE_ERROR text for a collision inside one association. */
  collisionMessage: (collision: NameCollision) => string
  readonly limits: DestinationLimits

  /** The connection `apply` uses: stored values with the type's defaults, and the network rules. */
  connect: (stored: StoredConnection, network: NetworkRules) => C
  /**
   * The endpoint a connection writes to (rate limits are per endpoint; two destinations with
   * the same key write to the same store), or `undefined` when the connection is unusable.
   */
  endpointKey (connection: C): string | undefined
  /** Performs `ops`, ONE attempt each, concurrently; one result per operation, in order. Never throws. */
  apply (connection: C, ops: TargetOp[], signal?: AbortSignal): Promise<OpResult[]>
  /**
   * Optional: opens ahead of need what `apply` on `connection` will use (credentials, keep-alive
   * connections), bounded in time and size, changing nothing in the destination. Rejects when it
   * could not (the worker logs that; `apply` then opens them itself as it would have).
   */
  warm? (connection: C): Promise<void>
  /**
   * Optional (issue 21): one drift round over the owned `targets` of a connection (a metadata
   * sweep, then at most two reads per suspect, src/drift/check-round.ts), every call as
   * background work under `o.share` of the endpoint's budget (sync traffic first), at most
   * `o.maxCalls` calls. Types without it are never swept.
   * @throws SyncError when a call fails (the round is lost; nothing was written).
   */
  drift? (connection: C, targets: readonly DriftTarget[], o: DriftRoundOptions): Promise<DriftRoundResult>
}

/** Options of {@link SyncDriver.drift}. */
export interface DriftRoundOptions extends ClassifyOptions {
  /** Share of the endpoint's per-window budget drift may use, 0 < share <= 0.5. */
  share: number
  /** Most calls of this round (LIST pages and reads), >= 1. */
  maxCalls: number
  /** LIST page size asked for (the service may answer shorter or empty pages). */
  pageSize?: number
  signal?: AbortSignal
}

/** What a drift round found: the findings and deferrals of `checkTargets`, and the sweep's size. */
export interface DriftRoundResult extends RoundResult {
  /** LIST calls made. */
  listCalls: number
  /** The LIST was read to its end. */
  complete: boolean
}

/** Groups targets whose collision keys are equal; only groups of two or more, sorted (code unit order). */
export function findCollisions (targets: readonly NamedTarget[], keyOf: (name: string) => string): NameCollision[] {
  const groups = new Map<string, NamedTarget[]>()
  for (const target of targets) {
    const key = keyOf(target.name)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [target])
    else group.push(target)
  }
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  return [...groups]
    .filter(([, group]) => group.length > 1)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([name, group]) => ({ name, targets: [...group].sort((a, b) => byCodeUnit(a.key, b.key)) }))
}
