/**
 * Fencing of the worker's settles on PostgreSQL (`FencingRepository`, issue 18): the lease
 * check of `db/pg/leases.ts` (`FENCE_SQL`: the fence's lease row, live, with its epoch, locked
 * FOR KEY SHARE until the unit ends) as a prepared statement on the unit's connection, then the
 * lease and epoch recorded on the settled association.
 */
import { FENCE_SQL, LeaseLostError } from '../../pg/leases.js'
import type { FencingRepository } from '../repositories.js'
import { statement, type Sql } from './pg-sql.js'

const F = {
  check: statement('fence_check', FENCE_SQL),
  record: statement('fence_record', 'UPDATE associations SET settled_lease = $2, settled_epoch = $3 WHERE id = $1')
}

/** The fencing repository over `sql` (a unit's connection). */
export function pgFencingRepository (sql: Sql): FencingRepository {
  return {
    settle: async (fence, associationId) => {
      if ((await sql.one(F.check, [fence.name, fence.holder, fence.epoch])) === undefined) throw new LeaseLostError(fence)
      if (associationId !== undefined) await sql.run(F.record, [associationId, fence.name, fence.epoch])
    }
  }
}
