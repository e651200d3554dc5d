/**
 * The server's pino logger: `log_format = "json"` writes pino's JSON lines; `"standard"` writes
 * one line per entry in Vault's (hclog's) standard form, `2026-01-01T10:00:00.000Z [INFO]  msg: key=value ...`.
 * Without a format, standard when stdout is a terminal, JSON otherwise. Token headers are
 * redacted in both (see `REDACTED_HEADERS` in app.ts).
 */
import { pino, type Logger } from 'pino'

/** hclog's level tags by pino's numeric level. */
const LEVEL_TAGS: Record<number, string> = { 10: '[TRACE]', 20: '[DEBUG]', 30: '[INFO] ', 40: '[WARN] ', 50: '[ERROR]', 60: '[ERROR]' }
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname'])

function fieldValue (v: unknown): string {
  if (v !== null && typeof v === 'object') {
    const err = v as { message?: unknown, type?: unknown }
    // pino's `err` serializer names a plain `{ message }` object's type `Object`: say only the message then.
    if (typeof err.message === 'string' && typeof err.type === 'string') return JSON.stringify(err.type === 'Object' ? err.message : `${err.type}: ${err.message}`)
    return JSON.stringify(v)
  }
  const s = String(v)
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s)
}

/** One JSON log line as a standard-format line (`undefined` when it is not a pino object). */
export function standardLine (json: string): string | undefined {
  let entry: Record<string, unknown>
  try { entry = JSON.parse(json) } catch { return undefined }
  if (entry === null || typeof entry !== 'object') return undefined
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString()
  const tag = LEVEL_TAGS[Number(entry.level)] ?? '[INFO] '
  const fields = Object.entries(entry).filter(([k]) => !OMITTED.has(k)).map(([k, v]) => `${k}=${fieldValue(v)}`)
  const msg = typeof entry.msg === 'string' ? entry.msg : ''
  return `${time} ${tag} ${msg}${fields.length > 0 ? `: ${fields.join(' ')}` : ''}\n`
}

/** A pino destination that rewrites each JSON line to the standard format on `out`. */
export function standardDestination (out: { write: (s: string) => unknown }): { write: (s: string) => void } {
  return {
    write (chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line === '') continue
        out.write(standardLine(line) ?? `${line}\n`)
      }
    }
  }
}

export interface LoggerSettings {
  level: string
  format: 'json' | 'standard' | undefined
  /** Paths pino must never print. */
  redact: string[]
  /** Where lines go (default stdout). */
  out?: { write: (s: string) => unknown, isTTY?: boolean }
}

/** Builds the logger for `settings`. */
export function createLogger ({ level, format, redact, out = process.stdout }: LoggerSettings): Logger {
  const standard = format === 'standard' || (format === undefined && out.isTTY === true)
  const options = { level, redact }
  if (standard) return pino(options, standardDestination(out))
  return out === process.stdout ? pino(options) : pino(options, out as never)
}
