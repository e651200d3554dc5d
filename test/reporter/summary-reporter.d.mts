// Types of summary-reporter.mjs (plain JavaScript so that tap's runner can import it).
import { Transform } from 'node:stream'

/** `.tap/report.tap`: where the raw TAP of `npm test` is kept. */
export const TAP_FILE: string

/** tap's reporter stream: raw TAP in, per-file lines, failures and `tests: N passed, N failed, N skipped` out. */
export default class SummaryReporter extends Transform {
  constructor (tapFile?: string)
}
