/**
 * The root token of `server -dev`. On an in-memory database it is new at every start, as in
 * `vault server -dev`. With `-dev-db` the database outlives the process, so the dev root token is
 * kept (sealed in the `meta` table, like every secret at rest): a restart prints the same token
 * instead of minting a second one while the first still works. `-dev-root-token-id` picks the id;
 * naming a different one than last time revokes the previous dev root token.
 */
import type { Services } from './services.js'

const META_KEY = 'dev_root_token'

/** The dev root token id for this start (created when needed; the Store's `meta` and tokens). */
export async function devRootToken (services: Pick<Services, 'store' | 'sealer' | 'tokens'>, requestedId: string | undefined): Promise<string> {
  const meta = services.store.repos.meta
  const sealed = await meta.get(META_KEY)
  const previous = sealed === undefined ? undefined : services.sealer.decryptString(sealed, META_KEY)
  const live = previous !== undefined && await services.tokens.authenticate(previous) !== undefined
  if (requestedId === undefined && live) return previous
  const id = await services.tokens.ensureRootToken(requestedId)
  if (previous !== undefined && previous !== id) await services.tokens.revoke(previous)
  await meta.set(META_KEY, services.sealer.encrypt(id, META_KEY))
  return id
}
