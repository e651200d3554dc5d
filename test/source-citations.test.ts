// Every design note the source cites is in the repository (docs/architecture.md, "Citations in
// the source"): a decision number `D-8` or `D-15.4` names a heading of docs/decisions.md (and,
// with `.4`, an item of that decision's list), `R2-3` a heading of docs/decisions-round2.md,
// `FR-12` / `PG-4` a case of docs/cases/, `spec/vault-sync-api.md §3.2` a file of docs/spec/ and
// a numbered section in it, and any other `name.md` a file of the repository. `openapi.yaml` is
// published on its own, so it cites nothing of the kind.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import t from 'tap'
import { cases, decisions, RENAMED, ROOT, round2Decisions, sections } from './design-notes.js'

/** Tracked (or new, not ignored) files whose comments may cite design notes. */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', 'src', 'routes', 'db', 'bench', 'ui', 'test', '.ci'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && (/\.(ts|mjs|js)$/.test(f) || f.startsWith('.ci/')) && existsSync(join(ROOT, f)))
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n').filter((f) => f !== '')
const basenames = new Set(tracked.map((f) => basename(f)))

/**
 * Citations that do not resolve yet, each with the target it should name. Fix the source and
 * delete the entry (an entry whose citation is gone fails too, so the list cannot go stale).
 */
const KNOWN: ReadonlyArray<{ file: string, cite: string, reason: string }> = []

interface Citation { file: string, line: number, cite: string, problem: string }

const decisionIds = decisions()
const round2Ids = round2Decisions()
const caseIds = cases()

/** Why the section `§n` (or the range `§a-b`) is in none of `notes`, or undefined when it is in one (or none is numbered). */
function missingSection (notes: string[], section: string): string | undefined {
  const numbered = notes.flatMap((n) => { const s = sections(n); return s === undefined ? [] : [s] })
  if (numbered.length === 0) return undefined
  const missing = section.split('-').filter((s) => !numbered.some((n) => n.has(s)))
  return missing.length === 0 ? undefined : `${notes.join(' / ')}: no numbered section or item ${missing.map((s) => `§${s}`).join(', ')}`
}

/** Where a cited Markdown path lives in the repository (`spec/x.md` -> `docs/spec/x.md`), or undefined. */
function noteFile (path: string): string | undefined {
  if (RENAMED[path] !== undefined) return RENAMED[path]
  if (!path.includes('/')) {
    if (!basenames.has(path)) return undefined
    const named = tracked.filter((f) => basename(f) === path)
    return named.find((f) => f.startsWith('docs/')) ?? named.find((f) => f === path) ?? named[0]
  }
  return [path, `docs/${path}`].find((p) => tracked.includes(p))
}

/**
 * The unresolved citations of one file's text, and how many citations it holds. A `§3.2` right
 * after a note's name (`spec/x.md §3.2, §4`) is a section of that note; a bare one a section of
 * some note the file cited before it (an `RFC 6749 §2.3.1` is no note's).
 */
function check (file: string, text: string): { problems: Citation[], checked: number } {
  const problems: Citation[] = []
  let checked = 0
  const cited: string[] = []
  for (const [i, line] of text.split('\n').entries()) {
    const at = (cite: string, problem: string | undefined): void => {
      checked++
      if (problem !== undefined) problems.push({ file, line: i + 1, cite, problem })
    }
    for (const m of line.matchAll(/\bD-(\d+)(?:\.(\d+))?\b/g)) {
      const items = decisionIds.get(`D-${m[1]}`)
      at(m[0], items === undefined
        ? 'no such heading in docs/decisions.md'
        : m[2] !== undefined && items.size > 0 && !items.has(Number(m[2])) ? `D-${m[1]} in docs/decisions.md has no item ${m[2]}` : undefined)
    }
    for (const m of line.matchAll(/\bR2-\d+\b/g)) at(m[0], round2Ids.has(m[0]) ? undefined : 'no such heading in docs/decisions-round2.md')
    for (const m of line.matchAll(/\b(?:FR|PG)-\d+\b/g)) at(m[0], caseIds.has(m[0]) ? undefined : 'no such case in docs/cases/')
    if (/(?:\.\.\/|\/work\/)shared\b|\bshared\/(?:design|spec|cases)\//.test(line)) at(line.trim(), 'points at design notes outside the repository')
    // Markdown names and sections in the order they appear: `x.md §3.3-3.11, §3.17`, a bare `§1.2`.
    let named: { note: string | undefined, end: number } | undefined
    for (const m of line.matchAll(/(?<![\w./-])((?:[\w.-]+\/)*[\w-]+\.md)\b|(?<!RFC \d+,? )§\s*(\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?)/g)) {
      const end = (m.index ?? 0) + m[0].length
      if (m[1] !== undefined) {
        const note = noteFile(m[1])
        at(m[1], note === undefined ? 'no such file in the repository (design notes are in docs/)' : undefined)
        named = { note, end }
        if (note !== undefined && sections(note) !== undefined && !cited.includes(note)) cited.push(note)
        continue
      }
      const chained = named !== undefined && /^[,;:]?\s*(?:and\s+)?$/.test(line.slice(named.end, m.index))
      const notes = chained ? (named?.note === undefined ? [] : [named.note]) : cited
      if (chained && named !== undefined) named.end = end
      if (notes.length > 0) at(`§${m[2]}`, missingSection(notes, m[2]))
    }
  }
  return { problems, checked }
}

/** Files that describe citations rather than make them (their examples are deliberately wrong). */
const EXEMPT = new Set(['test/source-citations.test.ts', 'test/docs-links.test.ts', 'test/design-notes.ts'])

t.ok(files.length > 100, `scanning ${files.length} source files`)
t.ok(decisionIds.size >= 30 && round2Ids.size >= 7 && caseIds.size >= 20, 'the design notes are in docs/')

const results = files.filter((f) => !EXEMPT.has(f)).map((f) => check(f, readFileSync(join(ROOT, f), 'utf8')))
const found = results.flatMap((r) => r.problems)
const known = (c: Citation): boolean => KNOWN.some((k) => k.file === c.file && c.cite.includes(k.cite))

t.test('every citation in the source names a note, heading or section in docs/', async (t) => {
  t.ok(results.reduce((n, r) => n + r.checked, 0) > 500, `${results.reduce((n, r) => n + r.checked, 0)} citations checked`)
  t.same(found.filter((c) => !known(c)).map((c) => `${c.file}:${c.line} ${c.cite}: ${c.problem}`), [])
})

t.test('each entry of the list of known unresolved citations still occurs', async (t) => {
  for (const k of KNOWN) {
    t.ok(found.some((c) => c.file === k.file && c.cite.includes(k.cite)), `${k.file} still cites ${k.cite} (${k.reason}); once fixed, drop the entry`)
  }
})

t.test('the published API document (openapi.yaml) cites no design note', async (t) => {
  const text = readFileSync(join(ROOT, 'openapi.yaml'), 'utf8')
  t.same([...text.matchAll(/\b(?:D-\d+(?:\.\d+)?|R2-\d+|FR-\d+|PG-\d+)\b|(?:spec|cases)\/[\w-]+\.md|\.\.\/shared/g)].map((m) => m[0]), [])
})

t.test('the checks find what they look for', async (t) => {
  const sample = [
    '// decisions D-8, D-15.4 (round2.md R2-2; FR-12, PG-4): spec/vault-sync-api.md §3.2, §3.5-3.7',
    '// D-999, D-15.99, R2-99, FR-99, PG-99, spec/nothing.md, spec/vault-sync-api.md §99.1, ../shared/x'
  ].join('\n')
  t.same(check('x.ts', sample).problems.map((c) => `${c.line} ${c.cite}`), [
    '2 D-999', '2 D-15.99', '2 R2-99', '2 FR-99', '2 PG-99', '2 // D-999, D-15.99, R2-99, FR-99, PG-99, spec/nothing.md, spec/vault-sync-api.md §99.1, ../shared/x',
    '2 spec/nothing.md', '2 §99.1'
  ])
  t.same(check('x.ts', '// spec/vault-core-kv-api.md §4.5, spec/vault-sync-api.md §3.10\n// bare §4.5 and §3.10, §2.7 and spec/vault-sync-api.md §2.7').problems.map((c) => `${c.line} ${c.cite}`),
    ['2 §2.7'], 'a bare § may be in any note cited before; one after a name must be in that note')
})
