// The CLI's entry, loaded by `bin/vault-sync` (which stays free of ESM-only syntax: under a
// require hook, as in the tests' child processes, it may load as CommonJS).
//
// The compiled CLI lives in dist/ (built by `npm ci` through the `prepare` script: `npm run
// build`). `dist/src/cli.bundle.mjs` is the same CLI with vault-sync's own modules in one file
// (`npm run bundle`, `scripts/bundle.mjs`; packages stay in node_modules, except TypeBox): it
// starts some 300 ms sooner than ~300 modules loaded one by one (issue 16, sessions 11 and 12).
// It runs only when no TypeScript build ran after it (a build writes `dist/.tsbuildinfo` or, for
// the benchmarks, `dist/.bench.tsbuildinfo`), so a bundle older than the modules it holds never
// runs.
import { statSync } from 'node:fs'

const dist = new URL('../dist/', import.meta.url)
const mtimeMs = (name) => { try { return statSync(new URL(name, dist)).mtimeMs } catch { return -1 } }
const bundle = mtimeMs('src/cli.bundle.mjs')
const fresh = bundle >= 0 && bundle >= mtimeMs('.tsbuildinfo') && bundle >= mtimeMs('.bench.tsbuildinfo')

/** Runs the CLI with `args` (the command line after the program name). */
export async function launch (args) {
  const cli = await import(fresh ? '../dist/src/cli.bundle.mjs' : '../dist/src/cli.js')
  return await cli.main(args)
}
