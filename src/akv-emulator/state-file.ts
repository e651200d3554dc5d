/**
 * Optional persistence: the emulator's state as one JSON file (`state.json`, mode 0600, since it
 * holds secret values, client secrets and keys) in the state directory, so secrets, principals,
 * the token-signing key and the backup key survive restarts. Writes are coalesced (at most one in
 * flight, one more queued) and atomic (temporary file + rename); `flush()` waits for the last one.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises'
import type { JWK } from 'jose'
import type { Logger } from 'pino'
import type { Principal } from './principals.js'
import type { DeletedSecret, StoredSecret } from './secret-model.js'

/** The state file's content (version 1). */
export interface StateData {
  version: 1
  tenantId: string
  adminToken: string
  primaryClientId: string
  signingJwk: JWK
  /** base64 of the 32-byte backup key. */
  backupKey: string
  principals: Principal[]
  vaults: Record<string, { secrets: StoredSecret[], deleted: DeletedSecret[] }>
}

/** Reads a state file; undefined when absent. Throws with the path when it exists but is unreadable. */
export async function readStateFile (path: string): Promise<StateData | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let data: unknown
  try { data = JSON.parse(text) } catch { throw new Error(`akv emulator: state file ${path} is not valid JSON`) }
  const d = data as Partial<StateData>
  if (d === null || typeof d !== 'object' || d.version !== 1 || typeof d.tenantId !== 'string' || typeof d.adminToken !== 'string' ||
    typeof d.backupKey !== 'string' || typeof d.signingJwk !== 'object' || !Array.isArray(d.principals) || typeof d.vaults !== 'object') {
    throw new Error(`akv emulator: state file ${path} has an unknown format (expected version 1)`)
  }
  return d as StateData
}

/** A coalescing, atomic writer of one state file. */
export class StateFileWriter {
  private dirty = false
  private running: Promise<void> | undefined

  constructor (private readonly path: string, private readonly snapshot: () => StateData, private readonly logger: Logger) {}

  /** Notes a change; a write follows soon. */
  markDirty (): void {
    this.dirty = true
    if (this.running === undefined) this.running = this.loop()
  }

  private async loop (): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    try {
      while (this.dirty) {
        this.dirty = false
        const tmp = `${this.path}.${process.pid}.tmp`
        await writeFile(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 })
        await chmod(tmp, 0o600)
        await rename(tmp, this.path)
      }
    } catch (err) {
      this.logger.error({ err: { message: (err as Error).message }, path: this.path }, 'akv emulator: could not write the state file')
    } finally {
      this.running = undefined
    }
  }

  /** Waits until every change so far is on disk. */
  async flush (): Promise<void> {
    if (this.running !== undefined) await this.running
    if (this.dirty) { this.running = this.loop(); await this.running }
  }
}
