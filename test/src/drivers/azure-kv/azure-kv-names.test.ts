import t from 'tap'
import {
  AZURE_NAME_MAX_LENGTH, checkAzureName, findNameCollisions, invalidAzureNameMessage,
  nameCollisionMessage, normalizeAzureName, toAzureName
} from '../../../../src/drivers/azure-kv/azure-kv-names.js'

t.test('normalizeAzureName: one - per code point outside [0-9A-Za-z-] (D-20)', async (t) => {
  const cases: Array<[string, string]> = [
    ['vault/kv_1234/my-secret', 'vault-kv-1234-my-secret'],
    ['vault-kv-1234-my-secret', 'vault-kv-1234-my-secret'],
    ['team a/db#1', 'team-a-db-1'],
    ['\u00fcn\u00efcode/key', '-n-code-key'],
    ['a//b', 'a--b'],
    ['__x__', '--x--'],
    ['/lead/trail/', '-lead-trail-'],
    ['API_KEY', 'API-KEY'],
    ['a\u{1F600}b', 'a-b'],
    ['e\u0301', 'e-'],
    ['x\ud800y', 'x-y'],
    ['tab\there.dot', 'tab-here-dot'],
    ['ABCxyz0189-', 'ABCxyz0189-'],
    ['', '']
  ]
  for (const [input, want] of cases) t.equal(normalizeAzureName(input), want, JSON.stringify(input))
  const long = 'x/'.repeat(100)
  t.equal(normalizeAzureName(long), 'x-'.repeat(100), 'no truncation')
})

t.test('checkAzureName: empty, too long, bad characters', async (t) => {
  t.equal(AZURE_NAME_MAX_LENGTH, 127)
  t.equal(checkAzureName('a'), null)
  t.equal(checkAzureName('-'), null, 'Azure does not enforce a leading letter (FR-24)')
  t.equal(checkAzureName('x'.repeat(127)), null)
  t.equal(checkAzureName(''), 'the name is empty')
  t.equal(checkAzureName('x'.repeat(128)), 'the name is 128 characters long; the limit is 127')
  t.equal(checkAzureName('x'.repeat(200)), 'the name is 200 characters long; the limit is 127')
  t.equal(checkAzureName('a_b'), 'the name contains characters other than 0-9, a-z, A-Z and -')
})

t.test('the D-20 message names the rendered name', async (t) => {
  t.equal(invalidAzureNameMessage('', 'the name is empty'),
    'external name "" is invalid for Azure Key Vault: the name is empty')
  const rendered = `x/${'a'.repeat(198)}`
  t.strictSame(toAzureName(rendered), {
    error: `external name "${rendered}" is invalid for Azure Key Vault: the name is 200 characters long; the limit is 127`
  })
  t.strictSame(toAzureName(''), { error: 'external name "" is invalid for Azure Key Vault: the name is empty' })
  t.strictSame(toAzureName('say "hi"'), { name: 'say--hi-' })
  t.equal(invalidAzureNameMessage('say "hi"', 'r'), 'external name "say \\"hi\\"" is invalid for Azure Key Vault: r')
  t.strictSame(toAzureName('vault/kv_1234/team a/db#1'), { name: 'vault-kv-1234-team-a-db-1' })
})

t.test('findNameCollisions compares lower-cased names (FR-03)', async (t) => {
  const fr03 = ['db_pass', 'db-pass'].map((key) => ({ key, name: normalizeAzureName(key) }))
  t.strictSame(findNameCollisions(fr03), [
    { name: 'db-pass', targets: [{ key: 'db-pass', name: 'db-pass' }, { key: 'db_pass', name: 'db-pass' }] }
  ])
  const caseOnly = ['API_KEY', 'api_key', 'other'].map((key) => ({ key, name: normalizeAzureName(key) }))
  t.strictSame(findNameCollisions(caseOnly), [
    { name: 'api-key', targets: [{ key: 'API_KEY', name: 'API-KEY' }, { key: 'api_key', name: 'api-key' }] }
  ])
  t.strictSame(findNameCollisions([{ key: 'a', name: 'a' }, { key: 'b', name: 'b' }]), [])
  t.strictSame(findNameCollisions([]), [])
  const many = [
    { key: 'z', name: 'Z' }, { key: 'y.1', name: 'y-1' }, { key: 'y_1', name: 'Y-1' },
    { key: 'z2', name: 'z' }, { key: 'y/1', name: 'y-1' }, { key: 'solo', name: 'solo' }
  ]
  const want = [
    { name: 'y-1', targets: [{ key: 'y.1', name: 'y-1' }, { key: 'y/1', name: 'y-1' }, { key: 'y_1', name: 'Y-1' }] },
    { name: 'z', targets: [{ key: 'z', name: 'Z' }, { key: 'z2', name: 'z' }] }
  ]
  t.strictSame(findNameCollisions(many), want)
  t.strictSame(findNameCollisions([...many].reverse()), want, 'independent of input order')
})

t.test('nameCollisionMessage names all keys and the shared name', async (t) => {
  const two = findNameCollisions([{ key: 'db_pass', name: 'db-pass' }, { key: 'db-pass', name: 'db-pass' }])[0]
  t.equal(nameCollisionMessage(two), 'keys "db-pass" and "db_pass" map to the same Azure Key Vault name "db-pass"')
  const three = findNameCollisions([{ key: 'a_b', name: 'a-b' }, { key: 'A.B', name: 'A-B' }, { key: 'a b', name: 'a-b' }])[0]
  t.equal(nameCollisionMessage(three), 'keys "A.B", "a b" and "a_b" map to the same Azure Key Vault name "a-b"')
})
