/**
 * The seam between the worker and a destination's API (architecture.md, decisions D-1, D-8).
 * The worker computes, per association, the operations its targets need; the driver performs
 * each with ONE attempt (an attempt may poll an Azure long-running operation, bounded by the poll
 * timeout; decisions D-32.6) and reports a result per operation. Drivers never touch the database,
 * never sleep for backoff and never retry across attempts: the worker owns that.
 */
import type { SyncError } from './sync-error.js'

/** Outbound network rules of a destination (spec/vault-sync-api.md §5.4; decisions D-9). */
export interface NetworkRules {
  /** CIDRs (or bare addresses) allowed besides public addresses. */
  allowedIpv4: string[]
  allowedIpv6: string[]
  /** Allowed ports; empty means the default 80 and 443. */
  allowedPorts: number[]
  /** `true` turns off both the address and the port restrictions. */
  disableStrictNetworking: boolean
}

/** Write the value (a new version), unless only tags differ and `knownVersion` can be updated. */
export interface WriteOp {
  op: 'write'
  /** External (normalised) name. */
  name: string
  value: string
  contentType: string
  tags: Record<string, string>
  /** The name has not been written by this association before: check what is there first. */
  firstWrite: boolean
  /** Only tags differ from what was last written at `knownVersion` (decisions D-8). */
  tagsOnlyVersion?: string
  /**
   * A drift repair, or any automatic write of a target a drift sweep found `ownership-lost`
   * (issue 21): write only while the secret is still this association's, i.e. its latest version
   * carries `ownerTagValue` (or one of `siblingTagValues`: this server's other associations that
   * record the name on the same store, which share it last-write-wins), or is `version` (the one
   * last written), or the untagged latest sits on top of `version`, or there is no secret at all
   * (re-create). Checked before anything is written, a tags-only update included. Otherwise
   * nothing is written and the result is a CLIENT_SIDE_ERROR (ownership lost: never taken over).
   */
  ownedCheck?: { ownerTagValue: string, version: string, siblingTagValues?: string[] }
  /**
   * A drift repair of properties only (issue 21, plan action `update-properties`; the value is the
   * one that version holds): update this version's tags and content type and enable it, no new
   * version. A version gone by then is written anew instead.
   */
  propertiesVersion?: string
}

/** Delete the external secret if (and only if) it carries `ownerTagValue` (or one of `formerHolderTagValues`). */
export interface DeleteOp {
  op: 'delete'
  name: string
  /** The built-in tag value that proves this association owns the secret (decisions D-3). */
  ownerTagValue: string
  /**
   * Built-in tag values of this server's other associations on the same store that are leaving
   * the name (recorders of it that no longer keep it: removed, moving to another name, on a
   * destination being purged or deleted; and leaving associations of the same KV secret): one of
   * them may have written the shared name last and left it in place for this association, which
   * then deletes it as its own (D-20; it used to stay live in Azure, recorded by nobody).
   */
  formerHolderTagValues?: string[]
  /**
   * Asked, with the built-in tag value of a latest version that carries neither of the above,
   * whether that association is a former holder all the same: one of this server's, on the same
   * store, that neither records the name any more nor writes it for the first time (D-20: it
   * left the name in place for this association, or recovered it and failed to write). Called
   * while the worker holds the name's lock, so no write of the name by this server runs between
   * the answer and the delete. Absent: no other tag is accepted.
   */
  formerHolder?: (tagValue: string) => Promise<boolean>
  /** Also purge the soft-deleted secret (destination option, decisions D-18 `purge_on_unsync`). */
  purge: boolean
  /**
   * With `purge`: an earlier attempt sent (or was about to send) this delete and its purge is not
   * confirmed (the worker stores that across restarts). A soft-deleted secret Azure is still
   * deleting, so that it cannot be read yet, is then purged as soon as Azure allows it.
   */
  purgePending?: boolean
}

export type TargetOp = WriteOp | DeleteOp

/** The outcome of one operation. */
export type OpResult =
  | {
    ok: true
    /** version written */
    version?: string
    /** user-facing note */
    note?: string
    /** The destination's update time of `version` right after the write, unix seconds (drift evidence, issue 21). */
    updated?: number
  }
  | { ok: false, error: SyncError }
