/**
 * Per-request loggers that cost nothing until a request logs (issue 16): Fastify makes a child
 * logger with the request id binding for every request, and pino's `child()` serialises the
 * bindings at once, although a request logs only on an error or with `log_requests_level`. A
 * `LazyChildLogger` makes the real child on its first use and delegates to it.
 */
import type { FastifyBaseLogger } from 'fastify'

type Bindings = Record<string, unknown>
type LogFn = (...args: unknown[]) => void
/** pino's loggers have `isLevelEnabled`; Fastify's abstract logger (logging off) does not. */
type ParentLogger = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }

/** A request's logger: the child of `parent` with `bindings`, made on first use. */
export class LazyChildLogger {
  #real: FastifyBaseLogger | undefined
  constructor (private readonly parent: ParentLogger, private readonly bindings: Bindings, private readonly options: object) {}

  #child (): FastifyBaseLogger {
    this.#real ??= this.parent.child(this.bindings, this.options)
    return this.#real
  }

  #call (method: 'info' | 'error' | 'debug' | 'fatal' | 'warn' | 'trace' | 'silent', args: unknown[]): void {
    // Below the level nothing is written, so the child need not exist.
    if (method !== 'silent' && this.#real === undefined && this.parent.isLevelEnabled?.(method) === false) return
    ;(this.#child()[method] as LogFn)(...args)
  }

  get level (): string { return this.#real?.level ?? this.parent.level }
  set level (value: string) { this.#child().level = value }
  isLevelEnabled (level: string): boolean { return this.parent.isLevelEnabled?.(level) ?? true }
  info (...args: unknown[]): void { this.#call('info', args) }
  error (...args: unknown[]): void { this.#call('error', args) }
  debug (...args: unknown[]): void { this.#call('debug', args) }
  fatal (...args: unknown[]): void { this.#call('fatal', args) }
  warn (...args: unknown[]): void { this.#call('warn', args) }
  trace (...args: unknown[]): void { this.#call('trace', args) }
  silent (...args: unknown[]): void { this.#call('silent', args) }
  child (bindings: Bindings, options?: object): FastifyBaseLogger { return this.#child().child(bindings, options) }
}

/** Fastify's `childLoggerFactory`: a `LazyChildLogger` per request. */
export function lazyChildLoggerFactory (logger: ParentLogger, bindings: Bindings, options: object): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger
}
