/**
 * The `fake-store` destination type: a complete `SyncDriver` over `fake-store.ts`, written
 * against the driver contract only (src/drivers/driver.ts), as a second type would be.
 * - connection: `store` (required, immutable) and the secret `api_key` (required, redacted);
 * - names: `[A-Za-z0-9_-]`, anything else becomes `_`, at most 64 characters; names are
 *   case-sensitive, so only identical names collide;
 * - limits: 5 tags per secret, 32-character tags, 1,000-character values;
 * - apply: writes a new version; deletes only what carries the association's ownership tag.
 */
import { Type } from 'typebox'
import type { NameCollision, StoredConnection, SyncDriver } from '../../../../src/drivers/driver.js'
import { BUILTIN_TAG_KEY } from '../../../../src/drivers/ownership-tag.js'
import { localClientError } from '../../../../src/drivers/sync-error.js'
import type { OpResult, TargetOp } from '../../../../src/drivers/target-ops.js'
import type { FakeStores } from './fake-store.js'

export interface FakeConnection { store: string, apiKey: string }

/** Creates the driver over `stores`. */
export function createFakeStoreDriver (stores: FakeStores): SyncDriver<FakeConnection> {
  const limits = { label: 'Fake store', maxTags: 5, maxTagLength: 32, maxValueLength: 1000 }

  function applyOne (conn: FakeConnection, op: TargetOp): OpResult {
    if (op.op === 'write') {
      if (op.value.length > limits.maxValueLength) return { ok: false, error: localClientError(`value of "${op.name}" is too large for the fake store`) }
      return { ok: true, version: stores.put(conn.store, op.name, { value: op.value, contentType: op.contentType, tags: op.tags }) }
    }
    const existing = stores.get(conn.store, op.name)
    if (existing === undefined) return { ok: true }
    const latest = existing.versions[existing.versions.length - 1]
    if (latest.tags[BUILTIN_TAG_KEY] !== op.ownerTagValue) return { ok: true, note: 'left in place: not owned by vault-sync' }
    stores.delete(conn.store, op.name)
    return { ok: true }
  }

  return {
    type: 'fake-store',
    connectionFields: ['store', 'api_key'],
    ignoredFields: [],
    writeConnection: (stored: StoredConnection | undefined, fields) => {
      const store = fields.store ?? stored?.connection.store ?? ''
      if (stored !== undefined && fields.store !== undefined && fields.store !== stored.connection.store) return { error: 'store cannot be changed after creation' }
      if (!/^[a-z]+$/.test(store)) return { error: 'store: a lower-case store name is required' }
      const apiKey = fields.api_key !== undefined && fields.api_key !== '*****' ? fields.api_key : stored?.secrets.api_key ?? ''
      if (apiKey === '') return { error: 'api_key is required' }
      return { connection: { store }, secrets: { api_key: apiKey } }
    },
    connectionDetailsSchema: Type.Object({ api_key: Type.Literal('*****'), store: Type.String() }),
    connectionRequestSchema: Type.Object({ store: Type.Optional(Type.String()), api_key: Type.Optional(Type.String()) }),
    connectionDetails: (stored) => ({ api_key: '*****', store: stored.connection.store }),
    externalName: (rendered) => {
      const name = rendered.replace(/[^A-Za-z0-9_-]/g, '_')
      return name.length > 64 ? { error: `external name ${JSON.stringify(rendered)} is longer than 64 characters` } : { name }
    },
    collisionKey: (name) => name,
    collisionMessage: (c: NameCollision) => `keys ${c.targets.map((t) => JSON.stringify(t.key)).join(' and ')} map to the same fake-store name ${JSON.stringify(c.name)}`,
    limits,
    connect: (stored) => ({ store: stored.connection.store, apiKey: stored.secrets.api_key ?? '' }),
    endpointKey: (conn) => `fake-store:${conn.store}`,
    apply: async (conn, ops) => ops.map((op) => applyOne(conn, op))
  }
}
