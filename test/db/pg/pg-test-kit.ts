/** Small helpers shared by the PostgreSQL test files. */
import type { PgLogger } from '../../../db/pg/connection.js'

/** A logger that keeps `level: msg {json}` lines, for assertions on what was logged. */
export function capturingLog (): { log: PgLogger, lines: string[] } {
  const lines: string[] = []
  const at = (level: string) => (obj: object, msg: string): void => { lines.push(`${level}: ${msg} ${JSON.stringify(obj)}`) }
  return { log: { info: at('info'), warn: at('warn'), error: at('error') }, lines }
}

/** Resolves once `check()` is true, polling every 50 ms; rejects after `ms` naming `what`. */
export async function waitFor (check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (!await check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
