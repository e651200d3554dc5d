/**
 * `secret_name_template`: the subset of Go `text/template` that Vault's secrets sync documents
 * (spec/vault-sync-api.md §5.2, decisions D-27, D-15.9, D-15.11). Parse once into an AST, then
 * render per target.
 *
 * Accepted: literal text; actions `{{ … }}` (with Go's `{{-`/`-}}` whitespace trimming) holding
 * one pipeline of commands separated by `|`. A command is one of the 11 fields (`.SecretPath`),
 * a string literal (`"x"` with Go escapes, or a raw `` `x` ``), or one of the functions
 * `lowercase`, `uppercase`, `replace "old" "new"` with literal or field arguments. As in Go, a
 * piped value becomes the last argument (`{{ .SecretPath | replace "/" "_" }}` equals
 * `{{ replace "/" "_" .SecretPath }}`), and the arity counts it. Everything else (other fields,
 * field chains, `.`, variables, numbers, parentheses, comments, `if`/`range`/…, Go's built-in
 * and Vault's other helper functions) throws `TemplateError`, whose message is
 * `secret name template is invalid: <reason>` (the 400 text of D-27).
 *
 * Functions behave like Vault's `sdk/helper/template` (`name-template-functions.ts`).
 */
import { callTemplateFunction, TEMPLATE_FUNCTIONS, type TemplateFunction } from './name-template-functions.js'

/** The template fields of spec/vault-sync-api.md §5.2, in the order of its table. */
export const TEMPLATE_FIELDS = [
  'DestinationType', 'DestinationName', 'NamespacePath', 'NamespaceBaseName', 'NamespaceID',
  'MountPath', 'MountBaseName', 'MountAccessor', 'SecretPath', 'SecretBaseName', 'SecretKey'
] as const

/** One template field name, e.g. `SecretPath`. */
export type TemplateField = typeof TEMPLATE_FIELDS[number]
/** Values for rendering; `SecretKey` is absent under `secret-path` and renders as `""`. */
export type TemplateFields = Record<Exclude<TemplateField, 'SecretKey'>, string> & { SecretKey?: string }
/** Destination granularity (spec/vault-sync-api.md §5.1). */
export type Granularity = 'secret-path' | 'secret-key'

/** An operand: a string literal or a field reference. */
export type TemplateOperand =
  | { readonly kind: 'string', readonly value: string }
  | { readonly kind: 'field', readonly name: TemplateField }
/** One command of a pipeline: a bare operand or a function call. */
export type TemplateCommand =
  | { readonly kind: 'operand', readonly operand: TemplateOperand }
  | { readonly kind: 'call', readonly fn: TemplateFunction, readonly args: readonly TemplateOperand[] }
/** A node of the parsed template. */
export type TemplateNode =
  | { readonly kind: 'text', readonly text: string }
  | { readonly kind: 'action', readonly pipeline: readonly TemplateCommand[] }
/** A parsed template: the source text and its nodes. */
export interface NameTemplate { readonly source: string, readonly nodes: readonly TemplateNode[] }
export type { TemplateFunction }

const GO_KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if',
  'range', 'template', 'with', 'nil', 'true', 'false'])
/** Vault's shared template helper caps templates at 100,000 characters (spec §5.2 [I]). */
export const MAX_TEMPLATE_LENGTH = 100_000

/** D-15.9: the template read back for `secret-path` when none is stored. */
export const DEFAULT_SECRET_PATH_TEMPLATE = 'vault/{{ .MountAccessor }}/{{ .SecretPath }}'
/** D-15.9: the template read back for `secret-key` when none is stored. */
export const DEFAULT_SECRET_KEY_TEMPLATE = 'vault/{{ .MountAccessor }}/{{ .SecretPath }}/{{ .SecretKey }}'
/** Reason of FR-04 / vault#23808 (full message via `TemplateError`). */
export const MISSING_SECRET_KEY_REASON = 'external name template should contain reference to the secret key'

/** A template that does not parse or is not allowed; `reason` is the text after the prefix. */
export class TemplateError extends Error {
  readonly reason: string
  constructor (reason: string) {
    super(`secret name template is invalid: ${reason}`)
    this.name = 'TemplateError'
    this.reason = reason
  }
}

/** The default template of a granularity (D-15.9). */
export function defaultNameTemplate (granularity: Granularity): string {
  return granularity === 'secret-key' ? DEFAULT_SECRET_KEY_TEMPLATE : DEFAULT_SECRET_PATH_TEMPLATE
}

/** The template in effect: the stored one, or the granularity's default when `""` is stored. */
export function effectiveNameTemplate (stored: string, granularity: Granularity): string {
  return stored === '' ? defaultNameTemplate(granularity) : stored
}

/**
 * Parses and validates a template for a granularity: under `secret-key` it must reference
 * `.SecretKey`, else `TemplateError` with `MISSING_SECRET_KEY_REASON` (FR-04).
 */
export function parseNameTemplateFor (text: string, granularity: Granularity): NameTemplate {
  const ast = parseNameTemplate(text)
  if (granularity === 'secret-key' && !templateUsesField(ast, 'SecretKey')) {
    throw new TemplateError(MISSING_SECRET_KEY_REASON)
  }
  return ast
}

/** True when the template references `field` anywhere (as a command or an argument). */
export function templateUsesField (ast: NameTemplate, field: TemplateField): boolean {
  const uses = (o: TemplateOperand): boolean => o.kind === 'field' && o.name === field
  return ast.nodes.some((n) => n.kind === 'action' && n.pipeline.some((c) =>
    c.kind === 'operand' ? uses(c.operand) : c.args.some(uses)))
}

/**
 * Builds the render fields for one target (D-15.11: root namespace only). Base names are the
 * last `/`-separated segment; mount paths are given and rendered without a trailing `/`.
 */
export function templateFields (input: {
  destinationType: string, destinationName: string, mountPath: string, mountAccessor: string,
  secretPath: string, secretKey?: string
}): TemplateFields {
  const mountPath = input.mountPath.replace(/\/+$/, '')
  const fields: TemplateFields = {
    DestinationType: input.destinationType,
    DestinationName: input.destinationName,
    NamespacePath: '',
    NamespaceBaseName: '',
    NamespaceID: 'root',
    MountPath: mountPath,
    MountBaseName: mountPath.slice(mountPath.lastIndexOf('/') + 1),
    MountAccessor: input.mountAccessor,
    SecretPath: input.secretPath,
    SecretBaseName: input.secretPath.slice(input.secretPath.lastIndexOf('/') + 1)
  }
  if (input.secretKey !== undefined) fields.SecretKey = input.secretKey
  return fields
}

/** Renders a parsed template (before Azure name normalisation). Never throws. */
export function renderNameTemplate (ast: NameTemplate, fields: TemplateFields): string {
  const value = (o: TemplateOperand): string => o.kind === 'string' ? o.value : fields[o.name] ?? ''
  let out = ''
  for (const node of ast.nodes) {
    if (node.kind === 'text') { out += node.text; continue }
    let piped: string | undefined
    for (const cmd of node.pipeline) {
      if (cmd.kind === 'operand') { piped = value(cmd.operand); continue }
      const args = cmd.args.map(value)
      if (piped !== undefined) args.push(piped)
      piped = callTemplateFunction(cmd.fn, args)
    }
    out += piped ?? ''
  }
  return out
}

/** Parses template text into an AST; throws `TemplateError` (see the module doc). */
export function parseNameTemplate (text: string): NameTemplate {
  if (text.length > MAX_TEMPLATE_LENGTH) {
    throw new TemplateError(`template is longer than ${MAX_TEMPLATE_LENGTH} characters`)
  }
  const nodes: TemplateNode[] = []
  let pos = 0
  let trimNext = false
  while (pos < text.length) {
    const open = text.indexOf('{{', pos)
    let literal = text.slice(pos, open === -1 ? text.length : open)
    if (trimNext) literal = literal.replace(/^[ \t\r\n]+/, '')
    trimNext = false
    if (open === -1) { pushText(nodes, literal); break }
    let i = open + 2
    if (/^-[ \t\r\n]/.test(text.slice(i, i + 2))) { literal = literal.replace(/[ \t\r\n]+$/, ''); i += 2 }
    pushText(nodes, literal)
    const action = parseAction(text, i)
    nodes.push({ kind: 'action', pipeline: action.pipeline })
    trimNext = action.trimRight
    pos = action.end
  }
  return { source: text, nodes }
}

function pushText (nodes: TemplateNode[], text: string): void {
  if (text !== '') nodes.push({ kind: 'text', text })
}

/** A field (`.Name`, or a chain, rejected later) or an identifier; sticky, used at a position. */
const WORD = /(?:\.[\p{L}\p{Nd}_]*)+|[\p{L}\p{Nd}_]+/uy
/** The escapes after `\` other than the single-character ones. */
const ESCAPE = /x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([0-7]{3})/y

type Word = { kind: 'operand', operand: TemplateOperand } | { kind: 'ident', name: TemplateFunction }
type Token = { kind: 'pipe' } | Word

/** Lexes one action from `start` (just after `{{` and its trim marker) to its `}}`. */
function parseAction (text: string, start: number): { pipeline: TemplateCommand[], end: number, trimRight: boolean } {
  const tokens: Token[] = []
  let i = start
  for (;;) {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++
    if (i >= text.length) throw new TemplateError('unclosed action')
    if (text.startsWith('}}', i)) return { pipeline: buildPipeline(tokens), end: i + 2, trimRight: false }
    if (text.startsWith('-}}', i) && ' \t\r\n'.includes(text[i - 1])) {
      return { pipeline: buildPipeline(tokens), end: i + 3, trimRight: true }
    }
    const c = text[i]
    if (c === '|') { tokens.push({ kind: 'pipe' }); i++; continue }
    if (c === '"' || c === '`') {
      const lit = lexString(text, i)
      tokens.push({ kind: 'operand', operand: { kind: 'string', value: lit.value } })
      i = lit.end
      continue
    }
    WORD.lastIndex = i
    const word = WORD.exec(text)?.[0]
    if (word === undefined || word === '.') {
      const bad = word ?? String.fromCodePoint(text.codePointAt(i) ?? 0)
      throw new TemplateError(`unexpected ${JSON.stringify(bad)} in action`)
    }
    i += word.length
    if (word.startsWith('.')) {
      const name = word.slice(1)
      if (name.includes('.')) throw new TemplateError(`field chains are not supported: ${JSON.stringify(word)}`)
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
        throw new TemplateError(`unknown field ${JSON.stringify(word)}; allowed fields: ${TEMPLATE_FIELDS.join(', ')}`)
      }
      tokens.push({ kind: 'operand', operand: { kind: 'field', name: name as TemplateField } })
    } else if (/^[0-9]/.test(word)) {
      throw new TemplateError(`unexpected ${JSON.stringify(word)} in action`)
    } else if (GO_KEYWORDS.has(word)) {
      throw new TemplateError(`action ${JSON.stringify(word)} is not supported`)
    } else if (!Object.hasOwn(TEMPLATE_FUNCTIONS, word)) {
      throw new TemplateError(`function ${JSON.stringify(word)} is not supported; use lowercase, uppercase or replace`)
    } else {
      tokens.push({ kind: 'ident', name: word as TemplateFunction })
    }
  }
}

/** Splits tokens on `|` into commands and checks operands, functions and arity. */
function buildPipeline (tokens: Token[]): TemplateCommand[] {
  if (tokens.length === 0) throw new TemplateError('empty action')
  const groups: Word[][] = [[]]
  for (const t of tokens) {
    if (t.kind === 'pipe') groups.push([])
    else groups[groups.length - 1].push(t)
  }
  return groups.map((group, index): TemplateCommand => {
    const [head, ...rest] = group
    if (head === undefined) throw new TemplateError('missing command in pipeline')
    if (head.kind === 'operand') {
      if (rest.length > 0 || index > 0) {
        throw new TemplateError(`${describe(head.operand)} is not a function and takes no arguments`)
      }
      return { kind: 'operand', operand: head.operand }
    }
    const fn = head.name
    const args: TemplateOperand[] = []
    for (const t of rest) {
      if (t.kind === 'ident') throw new TemplateError(`function ${JSON.stringify(t.name)} cannot be used as an argument`)
      args.push(t.operand)
    }
    const got = args.length + (index > 0 ? 1 : 0)
    if (got !== TEMPLATE_FUNCTIONS[fn]) throw new TemplateError(`wrong number of args for ${fn}: want ${TEMPLATE_FUNCTIONS[fn]} got ${got}`)
    return { kind: 'call', fn, args }
  })
}

function describe (o: TemplateOperand): string {
  return o.kind === 'field' ? `.${o.name}` : JSON.stringify(o.value)
}

/** Lexes a Go string literal at `start`: interpreted `"…"` (Go escapes) or raw `` `…` ``. */
function lexString (text: string, start: number): { value: string, end: number } {
  if (text[start] === '`') {
    const close = text.indexOf('`', start + 1)
    if (close === -1) throw new TemplateError('unterminated raw quoted string')
    return { value: text.slice(start + 1, close).replaceAll('\r', ''), end: close + 1 }
  }
  let value = ''
  let i = start + 1
  for (;;) {
    const c = text[i]
    if (c === undefined || c === '\n') throw new TemplateError('unterminated quoted string')
    if (c === '"') return { value, end: i + 1 }
    if (c !== '\\') { value += c; i++; continue }
    const e = text[i + 1]
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' }
    if (e !== undefined && e in simple) { value += simple[e]; i += 2; continue }
    ESCAPE.lastIndex = i + 1
    const m = ESCAPE.exec(text)
    const cp = m === null ? NaN : parseInt(m[1] ?? m[2] ?? m[3] ?? m[4], m[4] === undefined ? 16 : 8)
    // \x and octal escapes are single bytes in Go: only ASCII keeps the string valid UTF-8.
    const byteEscape = m?.[1] !== undefined || m?.[4] !== undefined
    if (m === null || (byteEscape && cp > 0x7f) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new TemplateError(`invalid escape sequence in quoted string at ${JSON.stringify(text.slice(i, i + 2))}`)
    }
    value += String.fromCodePoint(cp)
    i += 1 + m[0].length
  }
}
