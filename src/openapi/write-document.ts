/**
 * `npm run openapi`: builds the app over an in-memory database, generates the document from
 * its routes and writes `openapi.yaml` at the package root (`--check` only compares, exiting 1
 * when the file is stale). The app is never started: routes declared on the root instance are
 * collected as they are registered, so neither a socket nor the current `openapi.yaml` is needed.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { openDatabase } from '../../db/database.js'
import { buildApp } from '../app.js'
import { generateSealKey } from '../crypto/seal.js'
import { createServices } from '../services.js'
import { openApiFile, packageRoot } from './document-file.js'
import { documentYaml, generateDocument } from './generate.js'

/** The YAML the current routes generate. */
export async function generatedDocumentYaml (): Promise<string> {
  const db = openDatabase(':memory:')
  try {
    const app = buildApp({ services: await createServices({ db, sealKey: generateSealKey() }), maxRequestBytes: 1 << 20 })
    const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
    return documentYaml(generateDocument(app.vaultRoutes, version))
  } finally {
    db.close()
  }
}

/** Writes (or with `--check`, verifies) `openapi.yaml`; returns the exit code. */
export async function main (argv: string[]): Promise<number> {
  const yaml = await generatedDocumentYaml()
  const file = openApiFile()
  if (argv.includes('--check')) {
    let current = ''
    try { current = readFileSync(file, 'utf8') } catch { current = '' }
    if (current === yaml) return 0
    process.stderr.write(`${file} is not what the routes generate: run npm run openapi\n`)
    return 1
  }
  writeFileSync(file, yaml)
  process.stdout.write(`wrote ${file}\n`)
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2))
