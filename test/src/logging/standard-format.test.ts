// log_format = "standard" (Vault's hclog form): errors logged as Errors keep their type; the
// `{ err: { message } }` objects vault-sync logs (config reload, emulator state file) print their
// message alone, not "Object: ..." (first-time user's report, session 17).
import t from 'tap'
import { createLogger } from '../../../src/logging/logger.js'

t.test('standard format: err fields', async (t) => {
  const lines: string[] = []
  const log = createLogger({ level: 'info', format: 'standard', redact: [], out: { write: (s: string) => lines.push(s) } })
  log.error({ err: { message: 'vs.hcl:8: log_level: "bogus" is not one of fatal, error' } }, 'configuration reload failed')
  log.error({ err: new TypeError('boom') }, 'internal error')
  log.warn({ settings: ['address'] }, 'changed settings need a restart to take effect')
  t.match(lines[0], /\[ERROR\] configuration reload failed: err="vs\.hcl:8: log_level: \\"bogus\\" is not one of fatal, error"\n$/)
  t.notMatch(lines[0], /Object:/)
  t.match(lines[1], /\[ERROR\] internal error: err="TypeError: boom"\n$/)
  t.match(lines[2], /\[WARN\] {2}changed settings need a restart to take effect: settings=\["address"\]\n$/)
})
