/**
 * Fastify's schema compilers, each route's validator and serializer compiled on its first use
 * instead of at start-up (issue 16, "server start < 1 s"; session 11).
 *
 * Fastify compiles every route's request validators (`@fastify/ajv-compiler`: an Ajv instance
 * with its formats, then one function per schema) and response serializers
 * (`@fastify/fast-json-stringify-compiler`) while routes are added, although most routes of a
 * running server are never called. Measured on the server's start (empty database, idle 2-core
 * machine): 60-70 ms of 850-1,000 ms to listening, with the garbage collection that compiling
 * causes. Here the same compilers, as Fastify itself would build them, run when a route first
 * validates a request or serializes an answer: the first call of a route pays its compile (about
 * 0.1-1 ms; the first validation of the process also builds the Ajv instance, some 20-40 ms), and
 * every later call runs the compiled function directly after one null check.
 *
 * Behaviour is Fastify's: the compilers are Fastify's defaults, resolved from Fastify's own
 * location (the versions it declares), called with the same arguments; a validator's `errors`
 * are those of the compiled function after each call (what Fastify reads on a failed
 * validation). Two differences: a schema that does not compile throws on the route's first call
 * (a 500) instead of failing `ready()` (every route's schemas are compiled by the test suite);
 * and Fastify, seeing custom compilers, passes a `headers` schema as written instead of
 * lower-casing its keys first (no route here has a `headers` schema).
 */
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

/** A compiled request validator: Ajv's shape (`errors` set after a failed call). */
type Validate = ((data: unknown) => unknown) & { errors?: unknown }
type Serialize = (data: unknown) => string
/** `compilersFactory.buildValidator`/`buildSerializer`: per plugin context, a compiler of route schemas. */
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F

/** `require` as seen from Fastify's package, so the compilers are the ones Fastify would load. */
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))

/** Fastify's default compiler factory from `pkg` (a selector: call it for the factory), loaded on first use. */
function defaultFactory<F> (pkg: string): () => Factory<F> {
  let factory: Factory<F> | undefined
  return () => (factory ??= (fromFastify(pkg) as () => Factory<F>)())
}

const ajvFactory = defaultFactory<Validate>('@fastify/ajv-compiler')
const fjsFactory = defaultFactory<Serialize>('@fastify/fast-json-stringify-compiler')

/** A validator that compiles `route`'s schema with `ajvFactory()(external, options)` on its first call. */
function lazyValidator (external: unknown, options: unknown, route: unknown): Validate {
  let compiled: Validate | undefined
  const validate: Validate = (data) => {
    compiled ??= ajvFactory()(external, options)(route)
    const result = compiled(data)
    validate.errors = compiled.errors
    return result
  }
  return validate
}

/** A serializer that compiles `route`'s response schema on its first call. */
function lazySerializer (external: unknown, options: unknown, route: unknown): Serialize {
  let compiled: Serialize | undefined
  return (data) => (compiled ??= fjsFactory()(external, options)(route))(data)
}

/** The `schemaController` server option: Fastify's default compilers, compiled per route on first use. */
export function lazySchemaController (): NonNullable<FastifyServerOptions['schemaController']> {
  return {
    compilersFactory: {
      buildValidator: ((external: unknown, options: unknown) => (route: unknown) => lazyValidator(external, options, route)) as never,
      buildSerializer: ((external: unknown, options: unknown) => (route: unknown) => lazySerializer(external, options, route)) as never
    }
  }
}
