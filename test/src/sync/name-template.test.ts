import t from 'tap'
import {
  DEFAULT_SECRET_KEY_TEMPLATE, DEFAULT_SECRET_PATH_TEMPLATE, MAX_TEMPLATE_LENGTH, TEMPLATE_FIELDS,
  TemplateError, defaultNameTemplate, effectiveNameTemplate, parseNameTemplate, parseNameTemplateFor,
  renderNameTemplate, templateFields, templateUsesField
} from '../../../src/sync/name-template.js'
import type { TemplateFields } from '../../../src/sync/name-template.js'

/** Class name and exact message of what `fn` throws (tap's `t.throws` matches substrings). */
function thrown (fn: () => unknown): { type: string, message: string } | 'nothing thrown' {
  try { fn() } catch (err) { return { type: (err as Error).constructor.name, message: (err as Error).message } }
  return 'nothing thrown'
}

const invalid = (reason: string): { type: string, message: string } =>
  ({ type: 'TemplateError', message: `secret name template is invalid: ${reason}` })

// spec/vault-sync-api.md §5.2: mount path/to/kv1, secret path/to/secret1, key foo, accessor kv_1234.
const fields: TemplateFields = templateFields({
  destinationType: 'azure-kv',
  destinationName: 'my-azure-1',
  mountPath: 'path/to/kv1/',
  mountAccessor: 'kv_1234',
  secretPath: 'path/to/secret1',
  secretKey: 'foo'
})
const render = (text: string, f: TemplateFields = fields): string => renderNameTemplate(parseNameTemplate(text), f)

t.test('the 11 fields of §5.2 and the root-namespace placeholders of D-15.11', async (t) => {
  t.strictSame([...TEMPLATE_FIELDS], ['DestinationType', 'DestinationName', 'NamespacePath',
    'NamespaceBaseName', 'NamespaceID', 'MountPath', 'MountBaseName', 'MountAccessor', 'SecretPath',
    'SecretBaseName', 'SecretKey'])
  t.strictSame(fields, {
    DestinationType: 'azure-kv',
    DestinationName: 'my-azure-1',
    NamespacePath: '',
    NamespaceBaseName: '',
    NamespaceID: 'root',
    MountPath: 'path/to/kv1',
    MountBaseName: 'kv1',
    MountAccessor: 'kv_1234',
    SecretPath: 'path/to/secret1',
    SecretBaseName: 'secret1',
    SecretKey: 'foo'
  })
  const flat = templateFields({ destinationType: 'azure-kv', destinationName: 'd', mountPath: 'kv', mountAccessor: 'kv_1', secretPath: 'app' })
  t.equal(flat.MountBaseName, 'kv')
  t.equal(flat.SecretBaseName, 'app')
  t.notOk('SecretKey' in flat, 'no SecretKey under secret-path')
  const all = TEMPLATE_FIELDS.map((f) => `{{ .${f} }}`).join('|')
  t.equal(render(all), 'azure-kv|my-azure-1|||root|path/to/kv1|kv1|kv_1234|path/to/secret1|secret1|foo')
})

t.test('documented examples (spec §5.2)', async (t) => {
  t.equal(render('prefix-{{ .SecretPath }}'), 'prefix-path/to/secret1')
  t.equal(render('{{ .SecretBaseName | uppercase }}'), 'SECRET1')
  t.equal(render('{{ .MountAccessor }}_{{ .SecretKey }}'), 'kv_1234_foo')
  t.equal(render('{{ .SecretPath | replace "/" "_" }}'), 'path_to_secret1')
  t.equal(render('VAULT_{{ .MountAccessor | uppercase }}_{{ .SecretKey | uppercase }}'), 'VAULT_KV_1234_FOO')
  t.equal(render(DEFAULT_SECRET_PATH_TEMPLATE), 'vault/kv_1234/path/to/secret1')
  t.equal(render(DEFAULT_SECRET_KEY_TEMPLATE), 'vault/kv_1234/path/to/secret1/foo')
})

t.test('syntax variants Go accepts', async (t) => {
  t.equal(render('{{.SecretBaseName}}'), 'secret1')
  t.equal(render('{{\t.SecretBaseName\n}}'), 'secret1')
  t.equal(render('{{ .SecretBaseName|uppercase|lowercase }}'), 'secret1')
  t.equal(render('{{ lowercase .DestinationName }}'), 'my-azure-1')
  t.equal(render('{{ replace "/" "-" .SecretPath | uppercase }}'), 'PATH-TO-SECRET1')
  t.equal(render('{{ .SecretPath | replace .SecretBaseName .SecretKey }}'), 'path/to/foo')
  t.equal(render('{{ "lit" }}-{{ `raw\\n` | uppercase }}'), 'lit-RAW\\N')
  t.equal(render('{{ "a\\tb\\x41\\u00e9\\U0001F600\\101\\"\\\\" }}'), 'a\tbA\u00e9\u{1F600}A"\\')
  t.equal(render('{{ "}}" }}'), '}}', 'a delimiter inside a string literal')
  t.equal(render('a }} b'), 'a }} b', 'a stray }} is text, as in Go')
  t.equal(render('x  {{- .SecretKey -}}  y'), 'xfooy')
  t.equal(render('x \n{{- .SecretKey }} y'), 'xfoo y')
  t.equal(render('x {{ .SecretKey -}}\n\t y'), 'x fooy')
  t.equal(render('static-name'), 'static-name')
  t.equal(render(''), '')
})

t.test('the AST is built once and reused', async (t) => {
  const ast = parseNameTemplate('a-{{ .SecretKey | replace "_" "-" }}')
  t.strictSame(ast, {
    source: 'a-{{ .SecretKey | replace "_" "-" }}',
    nodes: [
      { kind: 'text', text: 'a-' },
      {
        kind: 'action',
        pipeline: [
          { kind: 'operand', operand: { kind: 'field', name: 'SecretKey' } },
          { kind: 'call', fn: 'replace', args: [{ kind: 'string', value: '_' }, { kind: 'string', value: '-' }] }
        ]
      }
    ]
  })
  t.equal(renderNameTemplate(ast, { ...fields, SecretKey: 'db_pass' }), 'a-db-pass')
  t.equal(renderNameTemplate(ast, { ...fields, SecretKey: 'api_key_2' }), 'a-api-key-2')
  const { SecretKey: _unused, ...noKey } = fields
  t.equal(renderNameTemplate(ast, noKey), 'a-', 'a missing SecretKey renders as ""')
})

t.test('functions behave like Vault\'s Go helpers', async (t) => {
  const f = (s: string): TemplateFields => ({ ...fields, SecretKey: s })
  t.equal(render('{{ .SecretKey | uppercase }}', f('stra\u00dfe')), 'STRA\u00dfE', 'Go keeps ß (no full case mapping)')
  t.equal(render('{{ .SecretKey | lowercase }}', f('\u0130X')), 'ix', 'Go maps İ to i')
  t.equal(render('{{ .SecretKey | lowercase }}', f('\u03a3\u03a3')), '\u03c3\u03c3', 'no final-sigma context')
  t.equal(render('{{ .SecretKey | uppercase }}', f('\ufb00')), '\ufb00', 'ligature ﬀ has no simple upper case')
  t.equal(render('{{ .SecretKey | uppercase }}', f('\u1f80\u1fb3\u1f88')), '\u1f88\u1fbc\u1f88')
  t.equal(render('{{ .SecretKey | uppercase }}', f('\u0131\u017f')), 'IS')
  t.equal(render('{{ .SecretKey | replace "" "-" }}', f('a\u{1F600}b')), '-a-\u{1F600}-b-', 'empty old splits code points')
  t.equal(render('{{ .SecretKey | replace "aa" "b" }}', f('aaa')), 'ba', 'ReplaceAll, left to right, no overlap')
  t.equal(render('{{ .SecretKey | replace "$&" "x" }}', f('a$&b')), 'axb', 'no regex or $ patterns')
  t.equal(render('{{ .SecretKey | replace "a" "$&$&" }}', f('a')), '$&$&', 'replacement is literal')
})

t.test('templateUsesField', async (t) => {
  t.equal(templateUsesField(parseNameTemplate(DEFAULT_SECRET_KEY_TEMPLATE), 'SecretKey'), true)
  t.equal(templateUsesField(parseNameTemplate(DEFAULT_SECRET_PATH_TEMPLATE), 'SecretKey'), false)
  t.equal(templateUsesField(parseNameTemplate('{{ .SecretPath | replace "x" .SecretKey }}'), 'SecretKey'), true)
  t.equal(templateUsesField(parseNameTemplate('SecretKey {{ "SecretKey" }}'), 'SecretKey'), false, 'text is not a reference')
  t.equal(templateUsesField(parseNameTemplate('{{ .MountAccessor }}'), 'MountAccessor'), true)
})

t.test('defaults (D-15.9) and the secret-key rule (FR-04)', async (t) => {
  t.equal(DEFAULT_SECRET_PATH_TEMPLATE, 'vault/{{ .MountAccessor }}/{{ .SecretPath }}')
  t.equal(DEFAULT_SECRET_KEY_TEMPLATE, 'vault/{{ .MountAccessor }}/{{ .SecretPath }}/{{ .SecretKey }}')
  t.equal(defaultNameTemplate('secret-path'), DEFAULT_SECRET_PATH_TEMPLATE)
  t.equal(defaultNameTemplate('secret-key'), DEFAULT_SECRET_KEY_TEMPLATE)
  t.equal(effectiveNameTemplate('', 'secret-key'), DEFAULT_SECRET_KEY_TEMPLATE)
  t.equal(effectiveNameTemplate('', 'secret-path'), DEFAULT_SECRET_PATH_TEMPLATE)
  t.equal(effectiveNameTemplate('{{ .SecretKey }}', 'secret-path'), '{{ .SecretKey }}')
  t.strictSame(thrown(() => parseNameTemplateFor('{{ .SecretBaseName }}', 'secret-key')), {
    type: 'TemplateError',
    message: 'secret name template is invalid: external name template should contain reference to the secret key'
  })
  t.equal(parseNameTemplateFor('{{ .SecretBaseName }}', 'secret-path').source, '{{ .SecretBaseName }}')
  t.equal(renderNameTemplate(parseNameTemplateFor('{{ .SecretKey }}', 'secret-key'), fields), 'foo', 'bare key, no prefix')
  t.strictSame(thrown(() => parseNameTemplateFor('{{ .Nope }}', 'secret-path')), invalid(
    'unknown field ".Nope"; allowed fields: DestinationType, DestinationName, NamespacePath, NamespaceBaseName, NamespaceID, MountPath, MountBaseName, MountAccessor, SecretPath, SecretBaseName, SecretKey'))
})

t.test('everything else is rejected with the D-27 text', async (t) => {
  const cases: Array<[string, string]> = [
    ['{{.InvalidTemplate}}', 'unknown field ".InvalidTemplate"; allowed fields: DestinationType, DestinationName, NamespacePath, NamespaceBaseName, NamespaceID, MountPath, MountBaseName, MountAccessor, SecretPath, SecretBaseName, SecretKey'],
    ['{{ .secretPath }}', 'unknown field ".secretPath"; allowed fields: DestinationType, DestinationName, NamespacePath, NamespaceBaseName, NamespaceID, MountPath, MountBaseName, MountAccessor, SecretPath, SecretBaseName, SecretKey'],
    ['{{ .SecretPath.Foo }}', 'field chains are not supported: ".SecretPath.Foo"'],
    ['{{ . }}', 'unexpected "." in action'],
    ['{{ $x := .SecretPath }}', 'unexpected "$" in action'],
    ['{{ (.SecretPath) }}', 'unexpected "(" in action'],
    ['{{/* note */}}', 'unexpected "/" in action'],
    ['{{ 3 }}', 'unexpected "3" in action'],
    ['{{-3}}', 'unexpected "-" in action'],
    ['{{ .SecretPath-}}', 'unexpected "-" in action'],
    ['{{ if .SecretKey }}x{{ end }}', 'action "if" is not supported'],
    ['{{ range .SecretKey }}', 'action "range" is not supported'],
    ['{{ template "x" }}', 'action "template" is not supported'],
    ['{{ true }}', 'action "true" is not supported'],
    ['{{ .SecretPath | printf "%s" }}', 'function "printf" is not supported; use lowercase, uppercase or replace'],
    ['{{ .SecretPath | truncate 10 }}', 'function "truncate" is not supported; use lowercase, uppercase or replace'],
    ['{{ uuid }}', 'function "uuid" is not supported; use lowercase, uppercase or replace'],
    ['{{ .SecretPath | sha256 }}', 'function "sha256" is not supported; use lowercase, uppercase or replace'],
    ['{{ .SecretPath', 'unclosed action'],
    ['a {{', 'unclosed action'],
    ['{{ .SecretPath }', 'unexpected "}" in action'],
    ['{{ }}', 'empty action'],
    ['{{- -}}', 'empty action'],
    ['{{ | lowercase }}', 'missing command in pipeline'],
    ['{{ .SecretPath | }}', 'missing command in pipeline'],
    ['{{ .SecretPath || lowercase }}', 'missing command in pipeline'],
    ['{{ .SecretPath .SecretKey }}', '.SecretPath is not a function and takes no arguments'],
    ['{{ .SecretPath | .SecretKey }}', '.SecretKey is not a function and takes no arguments'],
    ['{{ .SecretPath | "x" }}', '"x" is not a function and takes no arguments'],
    ['{{ .SecretPath | lowercase "x" }}', 'wrong number of args for lowercase: want 1 got 2'],
    ['{{ uppercase }}', 'wrong number of args for uppercase: want 1 got 0'],
    ['{{ .SecretPath | replace "/" }}', 'wrong number of args for replace: want 3 got 2'],
    ['{{ replace "/" "_" }}', 'wrong number of args for replace: want 3 got 2'],
    ['{{ .SecretPath | replace "a" "b" "c" }}', 'wrong number of args for replace: want 3 got 4'],
    ['{{ replace lowercase "a" "b" }}', 'function "lowercase" cannot be used as an argument'],
    ['{{ "abc }}', 'unterminated quoted string'],
    ['{{ "a\nb" }}', 'unterminated quoted string'],
    ['{{ `abc }}', 'unterminated raw quoted string'],
    ['{{ "\\q" }}', 'invalid escape sequence in quoted string at "\\\\q"'],
    ['{{ "\\xff" }}', 'invalid escape sequence in quoted string at "\\\\x"'],
    ['{{ "\\ud800" }}', 'invalid escape sequence in quoted string at "\\\\u"'],
    ["{{ 'a' }}", 'unexpected "\'" in action']
  ]
  for (const [text, reason] of cases) t.strictSame(thrown(() => parseNameTemplate(text)), invalid(reason), text)
})

t.test('TemplateError carries the reason and the length cap', async (t) => {
  const err = new TemplateError('boom')
  t.equal(err.reason, 'boom')
  t.equal(err.name, 'TemplateError')
  t.ok(err instanceof Error)
  t.equal(MAX_TEMPLATE_LENGTH, 100000)
  t.equal(parseNameTemplate('x'.repeat(100000)).nodes.length, 1)
  t.strictSame(thrown(() => parseNameTemplate('x'.repeat(100001))), invalid('template is longer than 100000 characters'))
})
