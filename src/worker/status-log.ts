/**
 * The log lines of association status changes (issue 14.13): one `warn` line when an
 * association's settled status becomes an error status (`CLIENT_SIDE_ERROR`,
 * `EXTERNAL_SERVICE_ERROR`, `INTERNAL_VAULT_ERROR`) or changes from one to another, and one
 * `info` line when it leaves the error statuses. Each names the destination (`azure-kv/name`),
 * the association (`mount/secret path`, and its id) and the status message; the message is the
 * user-facing one (never a secret value or credential, `sync-error.ts`). Repeated attempts that
 * end in the same error status log nothing more. The settler calls this once per settled status,
 * after its transaction commits: it is the only place these lines come from.
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { AssociationRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'

const ERROR_STATUSES = new Set(['CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR'])

/**
 * At most this many associations are remembered as failing; past it the longest-remembered one is
 * forgotten (an association deleted while failing never settles again, so its entry stayed for
 * the process's life). A forgotten one that fails again logs its `warn` line once more.
 */
export const FAILING_TRACKED_MAX = 10_000

/** One settled status of an association. */
export interface SettledStatus {
  /** The association as loaded before the attempt (its `status` is the one it had then). */
  association: AssociationRow
  destination: Pick<DestinationRow, 'type' | 'name'>
  status: string
  message: string | null
}

/** The logger a settler reports status changes to; `undefined` logs nothing. */
export function createStatusChangeLog (log: Logger | undefined) {
  // The error status last reported per association: an attempt starts from SYNCING/PENDING, so
  // the row alone cannot tell "still failing" from "newly failing".
  const failing = new Map<string, string>()

  return function statusSettled ({ association: a, destination: d, status, message }: SettledStatus): void {
    const before = failing.get(a.id) ?? (ERROR_STATUSES.has(a.status) ? a.status : undefined)
    const fields = { destination: `${d.type}/${d.name}`, association: `${a.mount_path}${a.secret_path}`, association_id: a.id, status }
    if (ERROR_STATUSES.has(status)) {
      failing.delete(a.id) // re-inserted last: the oldest entry is the one forgotten
      failing.set(a.id, status)
      if (failing.size > FAILING_TRACKED_MAX) failing.delete(failing.keys().next().value!)
      if (before !== status) log?.warn({ ...fields, previous_status: before ?? a.status, message }, `sync: association ${fields.association} on ${fields.destination} is ${status}: ${message ?? ''}`)
      return
    }
    if (before === undefined || status === 'PENDING') return
    failing.delete(a.id)
    log?.info({ ...fields, previous_status: before, message }, `sync: association ${fields.association} on ${fields.destination} is ${status} (was ${before})`)
  }
}

export type StatusChangeLog = ReturnType<typeof createStatusChangeLog>
