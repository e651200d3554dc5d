/**
 * The root token of `server -dev`. On an in-memory database it is new at every start, as in
 * `vault server -dev`. With `-dev-db` the database outlives the process, so the dev root token is
 * kept (sealed in the `meta` table, like every secret at rest): a restart prints the same token
 * instead of minting a second one while the first still works. `-dev-root-token-id` picks the id;
 * naming a different one than last time revokes the previous dev root token.
 */
import { createMetaRepo } from '../db/meta-repo.js'
import type { Services } from './services.js'

const META_KEY = 'dev_root_token'

/** The dev root token id for this start (created when needed). */
export function devRootToken (services: Pick<Services, 'db' | 'sealer' | 'tokens'>, requestedId: string | undefined): string {
  const meta = createMetaRepo(services.db)
  const sealed = meta.get(META_KEY)
  const previous = sealed === undefined ? undefined : services.sealer.decryptString(sealed, META_KEY)
  const live = previous !== undefined && services.tokens.authenticate(previous) !== undefined
  if (requestedId === undefined && live) return previous
  const id = services.tokens.ensureRootToken(requestedId)
  if (previous !== undefined && previous !== id) services.tokens.revoke(previous)
  meta.set(META_KEY, services.sealer.encrypt(id, META_KEY))
  return id
}
