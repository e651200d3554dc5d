/**
 * The design notes in `docs/` that source comments and Markdown cite (docs/architecture.md,
 * "Citations in the source"): which decision numbers (`D-13` in docs/decisions.md), round-2
 * decisions (`R2-3` in docs/decisions-round2.md), field-report cases (`FR-12`, `PG-4` in
 * docs/cases/) and numbered sections (`§3.2` of a note whose headings are numbered) exist.
 * Read from the files as they are on disk; an id exists when a heading carries it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..')

/** Lines of `text` outside fenced code blocks (a `# comment` in a shell example is no heading). */
function proseLines (text: string): string[] {
  let fenced = false
  return text.split('\n').map((line) => {
    if (line.startsWith('```')) { fenced = !fenced; return '' }
    return fenced ? '' : line
  })
}

/** The headings of a Markdown file, level and text, outside code fences. */
function headings (file: string): Array<{ level: number, text: string, line: number }> {
  return proseLines(readFileSync(join(ROOT, file), 'utf8')).flatMap((line, i) => {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line)
    return m === null ? [] : [{ level: m[1].length, text: m[2], line: i }]
  })
}

/** Ids that open a heading (`## D-13. ...` -> `D-13`), by `pattern` (anchored, one capture). */
function headingIds (file: string, pattern: RegExp): Set<string> {
  return new Set(headings(file).flatMap((h) => {
    const m = pattern.exec(h.text)
    return m === null ? [] : [m[1]]
  }))
}

/** The decision numbers of docs/decisions.md (`D-1` ... ), each with the numbers of its list items (`D-15.4`). */
export function decisions (): Map<string, Set<number>> {
  const file = 'docs/decisions.md'
  const lines = proseLines(readFileSync(join(ROOT, file), 'utf8'))
  const out = new Map<string, Set<number>>()
  let current: Set<number> | undefined
  for (const line of lines) {
    const h = /^#{1,6}\s+(D-\d+)\./.exec(line)
    if (h !== null) { current = new Set(); out.set(h[1], current); continue }
    if (/^#{1,6}\s/.test(line)) { current = undefined; continue }
    const item = /^\s*(\d+)\.\s/.exec(line)
    if (item !== null && current !== undefined) current.add(Number(item[1]))
  }
  return out
}

/** The round-2 decision numbers of docs/decisions-round2.md (`R2-1` ...). */
export function round2Decisions (): Set<string> {
  return headingIds('docs/decisions-round2.md', /^(R2-\d+)\./)
}

/** The case ids of docs/cases/*.md (`FR-01`, `PG-4`, ...). */
export function cases (): Set<string> {
  const files = readdirSync(join(ROOT, 'docs/cases')).filter((f) => f.endsWith('.md'))
  return new Set(files.flatMap((f) => [...headingIds(`docs/cases/${f}`, /^((?:FR|PG)-\d+)\./)]))
}

/**
 * The numbered sections of a Markdown file (`## 3. ...` -> `3`, `### 3.2 ...` -> `3.2`), and the
 * numbered list items of a numbered section (item 10 of `## 9. Gotchas` -> `9.10`), or undefined
 * when none of its headings is numbered (a `§` then cannot be checked).
 */
export function sections (file: string): Set<string> | undefined {
  const out = new Set<string>()
  let current: string | undefined
  for (const line of proseLines(readFileSync(join(ROOT, file), 'utf8'))) {
    const h = /^#{1,6}\s+(.*)$/.exec(line)
    if (h !== null) {
      current = /^(\d+(?:\.\d+)*)\.?\s/.exec(h[1])?.[1]
      if (current !== undefined) out.add(current)
      continue
    }
    const item = /^\s{0,3}(\d+)\.\s/.exec(line)
    if (item !== null && current !== undefined) out.add(`${current}.${item[1]}`)
  }
  return out.size === 0 ? undefined : out
}

/** Where a design note cited by its old bare name lives now, when the name changed. */
export const RENAMED: Readonly<Record<string, string>> = {
  'round2.md': 'docs/decisions-round2.md'
}
