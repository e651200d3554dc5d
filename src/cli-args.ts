/**
 * Command-line parsing with `node:util` parseArgs, accepting Vault's single-dash long flags
 * (`-dev`, `-dev-root-token-id=x`) as well as the double-dash form (decisions D-16).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

/** Rewrites `-long-flag[=v]` to `--long-flag[=v]`; leaves `-x`, `--x` and values alone. */
export function normaliseFlags (argv: string[]): string[] {
  return argv.map((a) => (/^-[a-z][a-z0-9-]*(=.*)?$/.test(a) && a.length > 2 ? `-${a}` : a))
}

/**
 * Parses `argv` (after the command word) against `options`, strictly.
 * @throws TypeError (from parseArgs) naming an unknown flag or a missing value.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>> (argv: string[], options: O) {
  return parseArgs({ args: normaliseFlags(argv), options, strict: true, allowPositionals: false }).values
}
