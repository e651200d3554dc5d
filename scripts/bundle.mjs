// `npm run bundle`: puts the compiled CLI (`dist/src/cli.js`) and vault-sync's own modules into
// one file, `dist/src/cli.bundle.mjs` (esbuild), which `bin/launch.mjs` runs when it is current.
// Packages stay in node_modules and load as usual, except TypeBox: its ESM build is some 370
// small modules, and the route schemas build TypeBox types at start-up, so resolving and
// compiling them one by one cost about 140 ms of the server's start (issue 16, session 12).
// TypeBox is plain ESM: it reads no files, has no native code, and only vault-sync's modules
// import it at run time (no other package shares its state), so the bundle holds the parts of it
// we use. Other packages keep their own files, `require`s and native bindings as installed.
import { build } from 'esbuild'

/** Bare specifiers of these packages (and their sub-paths) go into the bundle. */
const INLINED = new Set(['typebox'])

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')

await build({
  entryPoints: ['dist/src/cli.js'],
  outfile: 'dist/src/cli.bundle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
  plugins: [{
    name: 'packages-external-but-inlined',
    setup (b) {
      // Bare specifiers (not relative, absolute or `node:`) resolve as usual only when inlined.
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || INLINED.has(packageName(args.path))) return undefined
        return { path: args.path, external: true }
      })
    }
  }]
})
