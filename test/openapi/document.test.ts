// openapi.yaml is generated, never hand-edited (issue 7): the checked-in file must be exactly
// what the routes generate, and it must pass `redocly lint` (recommended ruleset, exceptions in
// redocly.yaml with reasons; decisions D-10, D-32.10).
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { openApiFile, packageRoot } from '../../src/openapi/document-file.js'
import { generatedDocumentYaml } from '../../src/openapi/write-document.js'
import { tempDir } from '../helper.js'

const REDOCLY = join(packageRoot(), 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')

/** Runs `redocly lint <file>` with the repository's redocly.yaml; resolves the exit code and output. */
async function lint (file: string): Promise<{ code: number, output: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, [REDOCLY, 'lint', file, '--config', join(packageRoot(), 'redocly.yaml')], {
      cwd: packageRoot(),
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 120_000
    }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, output: `${stdout}${stderr}` }))
  })
}

/** The first line where two texts differ, for a readable failure. */
function firstDifference (a: string, b: string): string {
  const x = a.split('\n')
  const y = b.split('\n')
  const i = x.findIndex((line, n) => line !== y[n])
  const at = i < 0 ? Math.min(x.length, y.length) : i
  return `line ${at + 1}:\n  checked in: ${x[at] ?? '(end)'}\n  generated:  ${y[at] ?? '(end)'}`
}

t.test('openapi.yaml is exactly what the routes generate', async (t) => {
  const generated = await generatedDocumentYaml()
  const checkedIn = readFileSync(openApiFile(), 'utf8')
  t.ok(checkedIn === generated, checkedIn === generated ? 'up to date' : `openapi.yaml is stale, run \`npm run openapi\`; first difference at ${firstDifference(checkedIn, generated)}`)
  const doc = parse(generated) as { openapi: string, paths: Record<string, unknown> }
  t.match(doc.openapi, /^3\.1\./, 'OpenAPI 3.1')
  t.ok(Object.keys(doc.paths).length > 40, 'every path group is there')
})

t.test('redocly lint passes on openapi.yaml, and fails on a broken copy', async (t) => {
  const ok = await lint('openapi.yaml')
  t.equal(ok.code, 0, ok.code === 0 ? 'redocly lint openapi.yaml passes' : `redocly lint openapi.yaml:\n${ok.output}`)

  // The same document with one operation's summary and security gone must fail the lint, so
  // the passing run above is a real check.
  const doc = parse(readFileSync(openApiFile(), 'utf8')) as { paths: Record<string, Record<string, Record<string, unknown>>>, security?: unknown }
  delete doc.paths['/sys/sync/config'].get.summary
  delete doc.security
  const broken = join(tempDir(t), 'broken.yaml')
  writeFileSync(broken, stringify(doc))
  const bad = await lint(broken)
  t.not(bad.code, 0, 'a document without summaries or security fails')
  t.match(bad.output, /operation-summary/)
  t.match(bad.output, /security-defined/)
})

t.test('generated clients get what they need from the document: PATCH media type, a usable base URL', async (t) => {
  const doc = parse(readFileSync(openApiFile(), 'utf8')) as { servers: Array<{ url: string, variables?: Record<string, { default: string }> }>, paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> }
  const patches = Object.entries(doc.paths).flatMap(([path, item]) => item.patch === undefined ? [] : [[path, item.patch] as const])
  t.ok(patches.length >= 4, 'the KV and sync PATCH operations')
  for (const [path, op] of patches) {
    // Vault answers 415 to a PATCH of any other type; generators send the declared one.
    t.same(Object.keys(op.requestBody?.content ?? {}), ['application/merge-patch+json'], `PATCH ${path}`)
  }
  const [server] = doc.servers
  const base = server.url.replace(/\{(\w+)\}/g, (_, name: string) => server.variables?.[name]?.default ?? '')
  t.equal(base, 'http://127.0.0.1:8200/v1', 'the default base is an absolute URL (a relative /v1 fails in Node)')
})
