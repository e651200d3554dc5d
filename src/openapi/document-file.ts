/**
 * Where the checked-in `openapi.yaml` lives (the package root, next to `package.json`) and its
 * parsed content, read once. The server serves this file (decisions D-10: "the YAML converted
 * to JSON"), so what clients download is exactly what the tests check.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The package root: the nearest folder above this module holding `package.json`. */
export function packageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('package.json not found above src/openapi')
    dir = up
  }
  return dir
}

/** Absolute path of `openapi.yaml`. */
export function openApiFile (): string {
  return join(packageRoot(), 'openapi.yaml')
}

let cached: Record<string, unknown> | undefined
let cachedText: string | undefined

/**
 * The text of `openapi.yaml` as shipped (cached after the first call).
 * @throws Error when the file is missing.
 */
export function openApiYaml (): string {
  if (cachedText !== undefined) return cachedText
  const file = openApiFile()
  if (!existsSync(file)) throw new Error(`${file} is missing: it ships with vault-sync (regenerate it with npm run openapi)`)
  cachedText = readFileSync(file, 'utf8')
  return cachedText
}

/**
 * The parsed `openapi.yaml` (cached after the first call).
 * @throws Error when the file is missing or not valid YAML.
 */
export function loadOpenApiDocument (): Record<string, unknown> {
  cached ??= parse(openApiYaml()) as Record<string, unknown>
  return cached
}
