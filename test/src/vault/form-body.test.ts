// Vault's form rules (`http/handler.go` `isForm`, `parseFormRequest`) over Go's
// `url.ParseQuery`, case by case.
import t from 'tap'
import { isForm, parseFormBody } from '../../../src/vault/form-body.js'
const FORM_ERROR = { status: 400, errors: ['error parsing form data'] }

const FORM = 'application/x-www-form-urlencoded'

t.test('the media type: before any parameters, case and spaces ignored', async (t) => {
  for (const type of [FORM, 'Application/X-WWW-Form-URLEncoded', ` ${FORM} `, `${FORM};`, `${FORM}; charset=utf-8`, `${FORM} ; charset="utf-8"; a=b`]) {
    t.ok(isForm(type, 'a=b'), type)
  }
  for (const type of ['application/json', 'text/plain', `${FORM}x`, `${FORM}/x`, 'multipart/form-data', '']) {
    t.notOk(isForm(type, 'a=b'), type)
  }
})

t.test('the body: JSON when it starts with { or [ after whitespace, within 512 bytes', async (t) => {
  t.ok(isForm(FORM, 'a=b'))
  t.ok(isForm(FORM, ''), 'an empty body (no pair: no data)')
  t.ok(isForm(FORM, ' \n'), 'only whitespace: Vault\'s loop ends on true')
  t.ok(isForm(FORM, '"x"'), 'a JSON string is not JSON here')
  t.ok(isForm(FORM, '\uFEFF{}'), 'a BOM is not whitespace')
  t.ok(isForm(FORM, `${' '.repeat(512)}{}`), 'past the 512 peeked bytes')
  t.notOk(isForm(FORM, `${' '.repeat(511)}{}`))
  t.notOk(isForm(FORM, '{"a":1}'))
  t.notOk(isForm(FORM, '\r\n\t [1]'))
  t.notOk(isForm('application/json', 'a=b'))
})

t.test('pairs: one value a string, several joined with commas, escapes decoded', async (t) => {
  const parse = (body: string): unknown => parseFormBody(body, '/v1/x')
  t.same(parse('a=1&b=x+y&a=2&&c&d=&a=3'), { a: '1,2,3', b: 'x y', c: '', d: '' })
  t.same(parse('k%3D=v%3D%26&%C3%A9=%E2%82%AC&plus=%2B'), { 'k=': 'v=&', é: '€', plus: '+' })
  t.same(parse('x=%FF'), { x: '\uFFFD' }, 'bytes that are not UTF-8')
  t.same(parse('=v'), { '': 'v' }, 'an empty key is kept (Go skips only empty pieces)')
  t.equal(parse(''), undefined, 'no pair: no data')
  t.equal(parse('&&'), undefined)
  const proto = parse('__proto__=x') as Record<string, unknown>
  t.equal(Object.getPrototypeOf(proto), Object.prototype)
  t.same(Object.keys(proto), ['__proto__'], '__proto__ is a field')
  for (const bad of ['a=%', 'a=%4', 'a=%4g', '%=a', 'a=1;b=2', 'a;']) {
    t.throws(() => parse(bad), FORM_ERROR, bad)
  }
  t.throws(() => parseFormBody('a=1', '/v1/x?a=%zz'), FORM_ERROR, 'the URL query')
  t.same(parseFormBody('a=1', '/v1/x?b=2'), { a: '1' }, 'query values are not data')
})
