// Issue 14.17: `npm test` ends with a plain count line and lists failures, keeping the full TAP.
// The reporter gets TAP as tap's runner writes it (one subtest per test file); `.ci/run` repeats
// its closing line last, after anything npm prints.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../helper.js'
import SummaryReporter from './summary-reporter.mjs'

const ROOT = join(import.meta.dirname, '..', '..')

/** What tap's runner writes for two files: one passing, one with a failed and a skipped test. */
const RUN = `TAP version 14
1..3
# Subtest: test/a.test.ts
    ok 1 - first
    # Subtest: group
        ok 1 - inner
        1..1
    ok 2 - group # time=1ms

    1..2
ok 1 - test/a.test.ts # time=10ms

# Subtest: test/b.test.ts
    # Subtest: a failing case
        not ok 1 - one is two
          ---
          diff: |
            -2
            +1
          ...

        1..1
    not ok 1 - a failing case # time=2ms
    ok 2 - later # SKIP not here
    1..2
not ok 2 - test/b.test.ts # time=20ms
  ---
  exitCode: 1
  ...

# Subtest: test/c.test.ts
    ok 1 - before the crash
    1..1
not ok 3 - test/c.test.ts # time=5ms
  ---
  exitCode: 3
  ...

# { total: 5, pass: 4, fail: 1 }
`

async function report (tap: string, file: string): Promise<string> {
  const reporter = new SummaryReporter(file)
  let out = ''
  reporter.on('data', (c) => { out += String(c) })
  const ended = new Promise((resolve) => reporter.on('end', resolve))
  reporter.end(tap)
  await ended
  return out
}

t.test('per-file lines, failures with their diff, one closing count line', async (t) => {
  const file = join(tempDir(t), 'report.tap')
  const out = await report(RUN, file)
  const lines = out.trimEnd().split('\n')
  t.equal(lines.at(-1), 'tests: 3 passed, 2 failed, 1 skipped', 'the closing line CI reads')
  t.ok(lines.includes('ok   test/a.test.ts (2 passed)'))
  t.ok(lines.includes('FAIL test/b.test.ts (0 passed, 1 failed, 1 skipped)'))
  t.ok(lines.includes('FAIL test/c.test.ts (1 passed, 1 failed)'), 'a file that crashed without a failed assertion fails')
  t.match(out, /✖ test\/b\.test\.ts: a failing case > one is two\n {4}diff: \|\n {6}-2\n {6}\+1/)
  t.match(out, /✖ test\/c\.test\.ts: \(the test file failed\)\n {4}exitCode: 3/)
  t.equal(readFileSync(file, 'utf8'), RUN, 'the full TAP is kept')
  t.match(out, `Full TAP: ${file}`)
  t.match(out, '\nSkipped (1):\n  - test/b.test.ts: later (not here)\n', 'skips are listed with their reason')
  t.notMatch(out, /# Subtest/, 'no raw TAP on the console')
})

t.test('npm test uses it and CI repeats its closing line last', async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { tap: { reporter?: string } }
  t.equal(pkg.tap.reporter, './test/reporter/summary-reporter.mjs')
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
  t.match(ci, /grep -E '\^tests: \[0-9\]\+ passed, \[0-9\]\+ failed/, '.ci/run finds the summary line')
  t.match(ci.trimEnd().split('\n').slice(-2).join('\n'), /echo "\$summary"\nexit "\$status"/, 'and prints it last')
})
