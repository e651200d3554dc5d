/**
 * A database file as `server -dev -dev-db` would find it, seeded through the services (the
 * benchmarks that start servers on large data sets): KV v2 at `secret/`, secrets sync activated,
 * the bench's root token, and `count` secrets written in transactions of 1,000.
 */
import { openDatabase, type Db } from '../../db/database.js'
import { loadOrCreateSealKey } from '../../src/crypto/seal-key-file.js'
import { createServices, type Services } from '../../src/services.js'
import { ROOT_TOKEN } from './server-process.js'

/**
 * Opens `dbPath` (seal key in `dbPath.seal-key`) and writes `count` secrets at `path(i)` with
 * `value(i)`. Returns the open database and its services; the caller closes `db`.
 */
export async function seedSecrets (dbPath: string, count: number, path: (i: number) => string, value: (i: number) => Record<string, unknown>): Promise<{ db: Db, services: Services }> {
  const db = openDatabase(dbPath)
  const services = await createServices({ db, sealKey: loadOrCreateSealKey(`${dbPath}.seal-key`) })
  await services.mounts.enable('secret', { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' })
  await services.activation.activate('secrets-sync')
  await services.tokens.ensureRootToken(ROOT_TOKEN)
  const accessor = (await services.mounts.byPath('secret'))!.accessor
  for (let b = 0; b < count; b += 1000) {
    await services.store.transaction(async () => {
      for (let i = b; i < Math.min(count, b + 1000); i++) await services.kv.writeData(accessor, path(i), value(i), undefined)
    })
  }
  return { db, services }
}
