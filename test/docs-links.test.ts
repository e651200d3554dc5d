// Issue 14.8: every reference in every Markdown file of the repository resolves inside a fresh
// clone: relative links (and their #anchors), file paths quoted in backticks, no pointers outside
// the repository (`../shared/...`), and every decision number (`D-12`, `D-15.4`) or round-2
// decision (`R2-3`) names a heading of the design record in docs/ (docs/decisions.md,
// docs/decisions-round2.md); test/source-citations.test.ts checks the same for the source.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import t from 'tap'
import { decisions, round2Decisions } from './design-notes.js'

const ROOT = join(import.meta.dirname, '..')

/** Files git would put in a clone (tracked, plus new files not ignored, so work in progress is checked too). */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n').filter((f) => f !== '')
const fileSet = new Set(files)
const dirSet = new Set(files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))
const markdown = files.filter((f) => f.endsWith('.md'))

/** GitHub's heading anchors: lower-case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors (text: string): Set<string> {
  const out = new Set<string>()
  const seen = new Map<string, number>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (m === null) continue
    const base = m[1].toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** Text outside fenced code blocks (shell examples are not references). */
function prose (text: string): string {
  let fenced = false
  return text.split('\n').map((line) => {
    if (line.startsWith('```')) { fenced = !fenced; return '' }
    return fenced ? '' : line
  }).join('\n')
}

/** A repository path for `target` seen in `from`, or why it does not resolve. */
function resolveTarget (from: string, target: string): { path: string } | { error: string } {
  const path = normalize(join(dirname(from), decodeURIComponent(target))).split(sep).join('/').replace(/\/$/, '')
  if (path.startsWith('..') || relative(ROOT, join(ROOT, path)).startsWith('..')) return { error: 'points outside the repository' }
  if (!fileSet.has(path) && !dirSet.has(path)) return { error: 'no such file in the repository' }
  return { path }
}

const decisionIds = decisions()
const round2Ids = round2Decisions()

t.ok(markdown.length >= 3, `found the Markdown files (${markdown.join(', ')})`)

for (const file of markdown) {
  t.test(file, async (t) => {
    const text = prose(readFileSync(join(ROOT, file), 'utf8'))
    const links = [
      ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1])
    ]
    let checked = 0
    for (const link of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue // https:, mailto:
      const [target, anchor] = link.split('#') as [string, string | undefined]
      const where = target === '' ? { path: file } : resolveTarget(file, target)
      checked++
      if ('error' in where) { t.fail(`${link}: ${where.error}`); continue }
      if (anchor !== undefined && where.path.endsWith('.md')) {
        t.ok(anchors(readFileSync(join(ROOT, where.path), 'utf8')).has(anchor), `${link}: the heading #${anchor} exists`)
      }
    }
    // Paths quoted in backticks that name a Markdown file must exist too (relative to the file or the root).
    for (const m of text.matchAll(/`([^`\s]+\.md)`/g)) {
      checked++
      const ok = [resolveTarget(file, m[1]), resolveTarget('x', m[1])].some((r) => 'path' in r)
      t.ok(ok, `\`${m[1]}\` names a file in the repository`)
    }
    t.notMatch(text, /\.\.\/shared\b/, 'no pointer to ../shared (not in the repository)')
    const unknown = [
      ...[...text.matchAll(/\bD-(\d+)(?:\.(\d+))?\b/g)].filter((m) => !decisionIds.has(`D-${m[1]}`)),
      ...[...text.matchAll(/\bR2-\d+\b/g)].filter((m) => !round2Ids.has(m[0]))
    ].map((m) => m[0])
    t.same(unknown, [], 'every decision number names a heading of docs/decisions.md or docs/decisions-round2.md')
    t.pass(`${checked} references checked`)
  })
}

t.test('the published API document (openapi.yaml) points nowhere outside either', async (t) => {
  const text = readFileSync(join(ROOT, 'openapi.yaml'), 'utf8')
  t.same([...text.matchAll(/\bD-\d+(\.\d+)?\b/g)].map((m) => m[0]), [], 'no decision numbers')
  t.notMatch(text, /\.\.\/shared|spec\/[a-z-]+\.md/, 'no design-note paths')
})
