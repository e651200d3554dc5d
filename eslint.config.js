/**
 * ESLint: neostandard (the standard style as Fastify configures it), TypeScript included.
 * `npm test` runs it (`npm run lint`). Overrides are few and each says why.
 */
import globals from 'globals'
import neostandard, { plugins } from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tap/**', 'test/openapi/client/openapi-types.ts']
  }),
  {
    rules: {
      // Long object literals wrap by width here (several properties per line), as they did
      // before the linter; one property per line would reformat hundreds of lines for nothing.
      '@stylistic/object-property-newline': 'off',
      // `void promise;` marks a promise deliberately left unawaited (its errors are handled
      // where it is created); only that statement form is allowed.
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    files: ['**/*.ts'],
    plugins: { '@typescript-eslint': plugins['typescript-eslint'].plugin },
    rules: {
      // neostandard's options, plus: a `_`-prefixed variable is unused on purpose (a loop that
      // only counts, e.g. `for await (const _page of pages) n++`).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true, vars: 'all', varsIgnorePattern: '^_' }]
    }
  },
  {
    // prom-client metrics register themselves when constructed (`new Gauge({ ... })`).
    files: ['src/metrics/**/*.ts'],
    rules: { 'no-new': 'off' }
  },
  {
    // The operator page's scripts run in the browser.
    files: ['ui/**/*.js'],
    languageOptions: { globals: globals.browser }
  }
]
