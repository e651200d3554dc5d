/**
 * `server -config=FILE`: Vault's server configuration file (HCL, or JSON when the name ends in
 * `.json`; https://developer.hashicorp.com/vault/docs/configuration), parsed with
 * `@cdktf/hcl2json` (the parser policies use), checked key by key against `config-keys.ts`, and
 * turned into `VAULT_SYNC_*` values that sit UNDER the environment (round2.md R2-4: flag > env
 * > file > default). Every error names the file, the line and the key:
 * `/etc/vault-sync/config.hcl:7: listener "tcp" max_request_size: "-1" is not a positive integer`.
 */
import { readFile } from 'node:fs/promises'
import { ConfigError, loadConfig, type Config, type ConfigOverrides } from '../config.js'
import {
  LISTENER_KEYS, SEAL_FILE_KEYS, STORAGE_POSTGRESQL_KEYS, STORAGE_SQLITE_KEYS, VAULT_STORAGE_POSTGRESQL_UNSUPPORTED, SYNC_KEYS, TELEMETRY_KEYS, TOP_KEYS, VAULT_LISTENER_UNSUPPORTED,
  VAULT_TELEMETRY_UNSUPPORTED, VAULT_TOP_UNSUPPORTED, type KeySpec
} from './config-keys.js'

type Env = Record<string, string | undefined>
type Obj = Record<string, unknown>

/** The file as a layer of variables, and where each came from. */
export interface ConfigFileLayer {
  file: string
  env: Record<string, string>
  /** Variable -> the key (as written in errors) and its line. */
  origins: Map<string, { key: string, line: number }>
}

/** The 1-based line of the last segment of `path` (searched in order, each after the previous). */
function lineOf (text: string, path: string[]): number {
  const lines = text.split('\n')
  let at = 0
  for (const seg of path) {
    const re = new RegExp(`(^|[\\s{\\[,"])${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}("?\\s*[=:{"]|\\s*$|\\s)`)
    const i = lines.findIndex((l, n) => n >= at && re.test(l))
    if (i >= 0) at = i
  }
  return at + 1
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)

/** An unlabelled block's bodies: HCL gives `[body]`, JSON `body` or `[body]`. */
function bodies (v: unknown): Obj[] {
  return (Array.isArray(v) ? v : [v]).filter(isObj)
}

/**
 * A labelled block's `[label, body]` pairs: `{label: [body]}` (HCL), `{label: body}` or
 * `[{label: body}]` (JSON). A block written without its label (`seal { path = … }`) has
 * attributes where the labels should be: `unlabelled` is called (it throws), never dropped.
 */
function labelled (v: unknown, unlabelled: () => never): Array<[string, Obj]> {
  const out: Array<[string, Obj]> = []
  for (const item of Array.isArray(v) ? v : [v]) {
    if (!isObj(item)) unlabelled()
    for (const [label, body] of Object.entries(item)) {
      const found = bodies(body)
      if (found.length === 0) unlabelled()
      for (const b of found) out.push([label, b])
    }
  }
  return out
}

/** Parses `text` (HCL or JSON) and builds the layer. @throws ConfigError `file:line: key: problem`. */
export async function parseConfigText (file: string, text: string): Promise<ConfigFileLayer> {
  let doc: unknown
  const json = file.endsWith('.json') || text.trimStart().startsWith('{')
  try {
    if (json) doc = JSON.parse(text)
    else {
      const { parse } = await import('@cdktf/hcl2json')
      doc = await parse(file, text)
    }
  } catch (err) {
    const message = (err as Error).message
    const m = /:(\d+),\d+/.exec(message)
    throw new ConfigError(m === null ? file : `${file}:${m[1]}`, `cannot parse the configuration: ${message.replace(/^parse config: /, '')}`)
  }
  if (!isObj(doc)) throw new ConfigError(file, 'the configuration is not an object')
  const layer: ConfigFileLayer = { file, env: {}, origins: new Map() }
  const fail = (path: string[], shown: string, problem: string): never => {
    throw new ConfigError(`${file}:${lineOf(text, path)}`, `${shown}: ${problem}`)
  }

  const put = (path: string[], shown: string, spec: KeySpec, value: unknown): void => {
    let s: string
    switch (spec.kind) {
      case 'string':
        if (typeof value !== 'string') fail(path, shown, 'must be a string')
        s = value as string
        break
      case 'bool':
        if (typeof value === 'boolean') s = String(value)
        else if (typeof value === 'string' && /^(true|false)$/i.test(value)) s = value.toLowerCase()
        else return fail(path, shown, 'must be true or false')
        break
      case 'int':
        if (typeof value === 'number' && Number.isInteger(value)) s = String(value)
        else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) s = value.trim()
        else return fail(path, shown, 'must be an integer')
        break
      case 'duration':
        // Vault reads a bare number as seconds.
        if (typeof value === 'number') s = `${value}s`
        else if (typeof value === 'string') s = value
        else return fail(path, shown, 'must be a duration ("30s", "5m") or a number of seconds')
        break
    }
    layer.env[spec.env] = s!
    layer.origins.set(spec.env, { key: shown, line: lineOf(text, path) })
  }

  /** Applies one block body against `keys`; `special` handles keys of its own and returns true. */
  const block = (prefix: string[], shown: string, body: Obj, keys: Record<string, KeySpec>, unsupported: Set<string>, special?: (k: string, v: unknown) => boolean): void => {
    for (const [k, v] of Object.entries(body)) {
      const path = [...prefix, k]
      const name = `${shown === '' ? '' : `${shown} `}${k}`
      if (special?.(k, v) === true) continue
      const spec = keys[k]
      if (spec !== undefined) put(path, name, spec, v)
      else if (unsupported.has(k)) fail(path, name, 'Vault has this setting, but vault-sync does not support it')
      else fail(path, name, 'unknown key')
    }
  }

  block([], '', doc, TOP_KEYS, VAULT_TOP_UNSUPPORTED, (k, v) => {
    switch (k) {
      case 'disable_mlock':
        // Node cannot lock memory; `true` states what vault-sync does anyway.
        if (v !== true && v !== 'true') fail([k], k, 'vault-sync never locks memory: only disable_mlock = true is accepted')
        return true
      case 'storage': {
        const all = labelled(v, () => fail([k], k, 'the stanza needs its type as a label: storage "sqlite" { … } or storage "postgresql" { … }'))
        if (all.length !== 1) fail([k], k, 'exactly one storage stanza is needed')
        const [type, body] = all[0]
        const shown = `storage "${type}"`
        if (type === 'sqlite') block([k, type], shown, body, STORAGE_SQLITE_KEYS, new Set())
        else if (type === 'postgresql') {
          block([k, type], shown, body, STORAGE_POSTGRESQL_KEYS, VAULT_STORAGE_POSTGRESQL_UNSUPPORTED, (key, value) => {
            if (key !== 'ha_enabled') return false
            // Replicas on PostgreSQL always share the work (leases): only `true` says what happens.
            if (value !== true && value !== 'true') fail([k, type, key], `${shown} ${key}`, 'replicas on PostgreSQL always run highly available: only ha_enabled = true is accepted')
            return true
          })
        } else fail([k, type], shown, 'not supported: vault-sync stores its data in "sqlite" or "postgresql"')
        layer.env.VAULT_SYNC_STORAGE = type
        layer.origins.set('VAULT_SYNC_STORAGE', { key: shown, line: lineOf(text, [k, type]) })
        return true
      }
      case 'seal': {
        for (const [type, body] of labelled(v, () => fail([k], k, 'the stanza needs its type as a label: seal "file" { path = … }'))) {
          if (type !== 'file') fail([k, type], `seal "${type}"`, 'not supported: vault-sync reads its seal key from a file (seal "file" { path })')
          block([k, type], `seal "${type}"`, body, SEAL_FILE_KEYS, new Set())
        }
        return true
      }
      case 'listener': {
        const all = labelled(v, () => fail([k], k, 'the stanza needs its type as a label: listener "tcp" { … }'))
        if (all.length > 1) fail([k], k, 'vault-sync serves one listener')
        for (const [type, body] of all) listener([k, type], type, body)
        return true
      }
      case 'telemetry':
        for (const body of bodies(v)) telemetry([k], 'telemetry', body)
        // Vault: a telemetry stanza without prometheus_retention_time keeps 24h of Prometheus metrics.
        if (layer.env.VAULT_SYNC_PROMETHEUS_RETENTION_TIME === undefined) {
          layer.env.VAULT_SYNC_PROMETHEUS_RETENTION_TIME = '24h'
          layer.origins.set('VAULT_SYNC_PROMETHEUS_RETENTION_TIME', { key: 'telemetry', line: lineOf(text, [k]) })
        }
        return true
      case 'sync':
        for (const body of bodies(v)) block([k], 'sync', body, SYNC_KEYS, new Set())
        return true
    }
    return false
  })

  function telemetry (prefix: string[], shown: string, body: Obj): void {
    block(prefix, shown, body, TELEMETRY_KEYS, VAULT_TELEMETRY_UNSUPPORTED)
  }

  function listener (prefix: string[], type: string, body: Obj): void {
    const shown = `listener "${type}"`
    if (type !== 'tcp') fail(prefix, shown, 'not supported: vault-sync listens on "tcp"')
    const tlsDisable = body.tls_disable === true || body.tls_disable === 'true' || body.tls_disable === 1 || body.tls_disable === '1'
    if (body.tls_disable !== undefined && !tlsDisable && body.tls_disable !== false && body.tls_disable !== 'false' && body.tls_disable !== 0) {
      fail([...prefix, 'tls_disable'], `${shown} tls_disable`, 'must be true or false')
    }
    if (!tlsDisable && (body.tls_cert_file === undefined || body.tls_key_file === undefined)) {
      fail(prefix, shown, 'TLS is on unless tls_disable = true: set tls_cert_file and tls_key_file, or tls_disable = true')
    }
    block(prefix, shown, body, LISTENER_KEYS, VAULT_LISTENER_UNSUPPORTED, (k, v) => {
      if (k === 'tls_disable') return true
      // Vault ignores the certificate files of a listener with TLS disabled.
      if (tlsDisable && (k === 'tls_cert_file' || k === 'tls_key_file')) return true
      if (k === 'telemetry') { for (const b of bodies(v)) telemetry([...prefix, k], `${shown} telemetry`, b); return true }
      return false
    })
  }

  return layer
}

/** Reads and parses `file`. @throws ConfigError naming the file (unreadable) or file, line and key. */
export async function readConfigFile (file: string): Promise<ConfigFileLayer> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, `cannot read the configuration file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return await parseConfigText(file, text)
}

/**
 * `loadConfig` with the file's layer under `env` (empty variables do not hide the file's value).
 * @throws ConfigError naming the file, line and key when the bad value came from the file; naming
 *   the file when it gives no storage (`requireStorage`).
 */
export function loadConfigWithFile (layer: ConfigFileLayer | undefined, overrides: ConfigOverrides = {}, env: Env = process.env): Readonly<Config> {
  if (layer === undefined) return loadConfig(overrides, env)
  const merged: Env = { ...layer.env }
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v
  let config: Readonly<Config>
  try {
    config = loadConfig(overrides, merged)
  } catch (err) {
    throw inFileTerms(layer, err, env)
  }
  if (overrides.dbPath === undefined) requireStorage(layer, config, env)
  return config
}

/**
 * A configuration file must say where the data is, as Vault's does: `vault server -config=FILE`
 * without a `storage` stanza stops with "A storage backend must be specified" (hashicorp/vault
 * `command/server.go`), and its file-based backends need their `path`. Without this, vault-sync
 * would create a new, empty database at the default `./data/vault-sync.db` under the working
 * directory (and print a new root token). The environment may give the storage instead:
 * `VAULT_SYNC_DB_PATH`, or `VAULT_SYNC_STORAGE=postgresql` with its URL. `-dev` runs in memory
 * or on `-dev-db` and needs neither (the caller skips this). Without `-config` the variables'
 * defaults apply, as README's "Configuration" table says.
 * @throws ConfigError naming the file (and the stanza's line) when SQLite storage has no path.
 */
function requireStorage (layer: ConfigFileLayer, config: Readonly<Config>, env: Env): void {
  if (config.storage === 'postgresql' || layer.env.VAULT_SYNC_DB_PATH !== undefined || (env.VAULT_SYNC_DB_PATH ?? '') !== '') return
  const stanza = layer.origins.get('VAULT_SYNC_STORAGE')
  if (stanza !== undefined && layer.env.VAULT_SYNC_STORAGE === 'sqlite') {
    throw new ConfigError(`${layer.file}:${stanza.line}`, `${stanza.key}: path must be set (the database file, e.g. path = "/var/lib/vault-sync/vault-sync.db"), or VAULT_SYNC_DB_PATH`)
  }
  throw new ConfigError(layer.file, 'A storage backend must be specified (as in Vault): add storage "sqlite" { path = "/var/lib/vault-sync/vault-sync.db" } (or storage "postgresql" { connection_url = "…" }), or set VAULT_SYNC_DB_PATH in the environment')
}

/**
 * A `ConfigError` about a variable whose value came from the file (not from `env`), restated as
 * `FILE:LINE: key: problem`, so that an error raised after loading (an unreadable TLS or seal key
 * file found at start) names what the operator wrote. Any other error is returned unchanged.
 */
export function inFileTerms (layer: ConfigFileLayer | undefined, err: unknown, env: Env = process.env): unknown {
  if (layer === undefined || !(err instanceof ConfigError) || env[err.variable] !== undefined) return err
  const origin = layer.origins.get(err.variable)
  return origin === undefined ? err : new ConfigError(`${layer.file}:${origin.line}`, `${origin.key}: ${err.problem}`)
}
