/** Key/value settings of the store (`meta` table): seal check value, flags. */
import type { Db } from './database.js'

export interface MetaRepo {
  get: (key: string) => Buffer | undefined
  set: (key: string, value: Buffer | string) => void
}

/** Prepared statements over `meta`. Values are bytes (strings are stored as UTF-8). */
export function createMetaRepo (db: Db): MetaRepo {
  const get = db.prepare<[string], { value: Buffer | string }>('SELECT value FROM meta WHERE key = ?')
  const set = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
  return {
    get: (key) => {
      const row = get.get(key)
      if (row === undefined) return undefined
      return typeof row.value === 'string' ? Buffer.from(row.value, 'utf8') : row.value
    },
    set: (key, value) => { set.run(key, typeof value === 'string' ? Buffer.from(value, 'utf8') : value) }
  }
}
