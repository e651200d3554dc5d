/**
 * The program's version, from the package.json it was built from (found upward from this file,
 * which runs from `src/` under tsx or from `dist/src/` once built).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `package.json`'s `version`, e.g. `0.1.0`. @throws Error when no package.json is found. */
export function packageVersion (): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
    if (dirname(dir) === dir) throw new Error('package.json not found')
  }
}

/** What `vault-sync version` prints, in the form of Vault's `Vault v1.x.y`. */
export const versionLine = (): string => `vault-sync v${packageVersion()}`
