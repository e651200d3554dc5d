// The test reporter of `npm test` (issue 14.17; package.json `tap.reporter`). Plain JavaScript:
// tap's runner imports it without a TypeScript loader. tap pipes the raw TAP of the whole run
// into it; it keeps all of it in `.tap/report.tap`, prints one line per test file (`ok`/`FAIL`
// with its assertion counts), the skipped tests with their reason, then every failed assertion
// with its location and diff, and ends with one plain line CI reads:
// `tests: N passed, N failed, N skipped`. Counts are assertions, as in tap's own
// `# { total, pass, fail }` comment. The full TAP stays in that file (and
// `npx tap replay -R tap` prints it again).
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Transform } from 'node:stream'
import { Parser } from 'tap-parser'
import { stringify } from 'yaml'

export const TAP_FILE = join('.tap', 'report.tap')

export default class SummaryReporter extends Transform {
  #raw
  #parser = new Parser()
  /** @type {Array<{ file: string, name: string, diag: unknown }>} */
  #failures = []
  /** @type {string[]} */
  #skips = []
  #counts = { pass: 0, fail: 0, skip: 0, todo: 0 }
  #bailout = ''

  #tapFile

  /** @param {string} tapFile where the raw TAP goes (tap passes nothing: `.tap/report.tap`) */
  constructor (tapFile = TAP_FILE) {
    super()
    this.#tapFile = tapFile
    mkdirSync(dirname(tapFile), { recursive: true })
    this.#raw = createWriteStream(tapFile)
    this.#parser.on('bailout', (reason) => { this.#bailout = String(reason ?? '') })
    /** @type {Map<string, { pass: number, fail: number }>} */
    const perFile = new Map()
    // One child parser per test file (the runner's top-level subtests).
    this.#parser.on('child', (file) => {
      const name = file.name ?? ''
      const counts = { pass: 0, fail: 0, skip: 0 }
      perFile.set(name, counts)
      const watch = (parser, path) => {
        parser.on('child', (child) => { watch(child, [...path, child.name ?? '']) })
        parser.on('assert', (r) => {
          if (r.closingTestPoint) {
            // A subtest's own point: its assertions are counted; a failure without any failed
            // assertion (a timeout, a missing plan) still has to show.
            if (!r.ok && r.skip === false && r.todo === false && counts.fail === 0) this.#fail(name, [...path, r.name], r.diag, counts)
            return
          }
          if (r.skip !== false) {
            this.#counts.skip++
            counts.skip++
            this.#skips.push(`${name}: ${[...path, r.name].filter((x) => x !== '').join(' > ')}${typeof r.skip === 'string' && r.skip !== '' ? ` (${r.skip})` : ''}`)
            return
          }
          if (r.todo !== false) { this.#counts.todo++; return }
          if (r.ok) { this.#counts.pass++; counts.pass++; return }
          this.#fail(name, [...path, r.name], r.diag, counts)
        })
      }
      watch(file, [])
    })
    // A test file's own point: one line per file; a file that failed without a failed
    // assertion (it crashed, timed out or exited non-zero) is a failure of its own.
    this.#parser.on('assert', (r) => {
      const counts = perFile.get(r.name) ?? { pass: 0, fail: 0, skip: 0 }
      if (!r.ok && r.skip === false && r.todo === false && counts.fail === 0) this.#fail(r.name, ['(the test file failed)'], r.diag, counts)
      const skipped = r.skip !== false ? ' # SKIP' + (typeof r.skip === 'string' && r.skip !== '' ? ` ${r.skip}` : '') : ''
      const more = `${counts.fail === 0 ? '' : `, ${counts.fail} failed`}${counts.skip === 0 ? '' : `, ${counts.skip} skipped`}`
      this.push(`${counts.fail === 0 ? 'ok  ' : 'FAIL'} ${r.name} (${counts.pass} passed${more})${skipped}\n`)
    })
  }

  #fail (file, path, diag, counts) {
    this.#counts.fail++
    counts.fail++
    this.#failures.push({ file, name: path.filter((s) => s !== '').join(' > '), diag })
  }

  _transform (chunk, _enc, done) {
    this.#raw.write(chunk)
    this.#parser.write(chunk)
    done()
  }

  _flush (done) {
    this.#parser.end()
    this.#raw.end(() => {
      if (this.#bailout !== '') this.push(`\nBail out! ${this.#bailout}\n`)
      if (this.#skips.length > 0) this.push(`\nSkipped (${this.#skips.length}):\n${this.#skips.map((x) => `  - ${x}\n`).join('')}`)
      if (this.#failures.length > 0) {
        this.push(`\nFailures (${this.#failures.length}):\n`)
        for (const f of this.#failures) {
          this.push(`\n✖ ${f.file}: ${f.name}\n`)
          if (f.diag !== null && f.diag !== undefined) this.push(stringify(f.diag).replace(/^(?=.)/gm, '    '))
        }
      }
      const { pass, fail, skip, todo } = this.#counts
      this.push(`\nFull TAP: ${this.#tapFile} (or: npx tap replay -R tap)\n`)
      this.push(`tests: ${pass} passed, ${fail} failed, ${skip} skipped${todo > 0 ? `, ${todo} todo` : ''}\n`)
      done()
    })
  }
}
