/**
 * Command-line parsing with `node:util` parseArgs, accepting Vault's single-dash long flags
 * (`-dev`, `-dev-root-token-id=x`) as well as the double-dash form (decisions D-16).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { parseGoBool } from './vault/parse-bool.js'

/** Rewrites `-long-flag[=v]` to `--long-flag[=v]`; leaves `-x`, `--x` and values alone. */
export function normaliseFlags (argv: string[]): string[] {
  return argv.map((a) => (/^-[a-z][a-z0-9-]*(=.*)?$/.test(a) && a.length > 2 ? `-${a}` : a))
}

/**
 * Go's flag package takes `-flag=true` / `-flag=false` for a boolean (`strconv.ParseBool`
 * spellings): `--flag=<true>` becomes `--flag`, `--flag=<false>` is dropped; other values are
 * left for parseArgs to refuse.
 */
function goBooleans (args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = []
  for (const a of args) {
    const m = /^--([a-z][a-z0-9-]*)=(.*)$/.exec(a)
    const value = m !== null && options[m[1]]?.type === 'boolean' ? parseGoBool(m[2]) : undefined
    if (value === undefined) out.push(a)
    else if (value) out.push(`--${m![1]}`)
  }
  return out
}

/**
 * Parses `argv` (after the command word) against `options`, strictly.
 * @throws TypeError (from parseArgs) naming an unknown flag or a missing value; an unknown flag
 *   is named as the user typed it, in Go's words (`flag provided but not defined: -bogus`).
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>> (argv: string[], options: O) {
  const args = goBooleans(normaliseFlags(argv), options)
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw err
    const i = args.findIndex((a) => e.message.includes(`'${a.split('=')[0]}'`))
    const typed = i < 0 ? undefined : argv[i].split('=')[0]
    if (typed === undefined) throw err
    throw Object.assign(new TypeError(`flag provided but not defined: ${typed}`), { code: e.code })
  }
}
