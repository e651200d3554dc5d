import t from 'tap'
import {
  BUILTIN_TAG_KEY, OWNER_VALUE_PREFIX, buildSecretTags, builtinTagValue, isOwnedBy,
  isOwnedByVaultSync, parseBuiltinTagValue, validateCustomTags as validateTags, type Tags
} from '../../../src/sync/tags.js'
import { AZURE_KV_LIMITS } from '../../../src/drivers/azure-kv/index.js'

/** Custom tags checked against Azure Key Vault's limits (15 tags per secret, 1-256 characters). */
const validateCustomTags = (tags: Tags): string[] => validateTags(tags, AZURE_KV_LIMITS)
const MAX_CUSTOM_TAGS = AZURE_KV_LIMITS.maxTags - 1

const DEST = '6f1c2a34-1111-4222-8333-444455556666'
const ASSOC = '0b9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff'
const OTHER = '0b9e8d7c-aaaa-4bbb-8ccc-000000000000'

t.test('the built-in tag (D-3)', async (t) => {
  t.equal(BUILTIN_TAG_KEY, 'hashicorp:vault')
  t.equal(OWNER_VALUE_PREFIX, 'vault-sync:')
  t.equal(MAX_CUSTOM_TAGS, 14)
  const value = builtinTagValue(DEST, ASSOC)
  t.equal(value, `vault-sync:${DEST}:${ASSOC}`)
  t.ok(value.length < 100)
  t.strictSame(parseBuiltinTagValue(value), { destinationId: DEST, associationId: ASSOC })
  t.equal(parseBuiltinTagValue(''), null)
  t.equal(parseBuiltinTagValue('vault-sync:'), null)
  t.equal(parseBuiltinTagValue(`vault-sync:${DEST}`), null)
  t.equal(parseBuiltinTagValue(`vault-sync::${ASSOC}`), null)
  t.equal(parseBuiltinTagValue(`vault-sync:${DEST}:`), null)
  t.equal(parseBuiltinTagValue(`vault-sync:${DEST}:${ASSOC}:x`), null)
  t.equal(parseBuiltinTagValue(`other:${DEST}:${ASSOC}`), null)
})

t.test('buildSecretTags: custom tags plus exactly the built-in tag', async (t) => {
  t.strictSame(buildSecretTags({ team: 'payments' }, DEST, ASSOC), { team: 'payments', 'hashicorp:vault': `vault-sync:${DEST}:${ASSOC}` })
  t.strictSame(buildSecretTags({}, DEST, ASSOC), { 'hashicorp:vault': `vault-sync:${DEST}:${ASSOC}` })
  t.strictSame(buildSecretTags({ 'hashicorp:vault': 'spoof' }, DEST, ASSOC), { 'hashicorp:vault': `vault-sync:${DEST}:${ASSOC}` }, 'the built-in value always wins')
})

t.test('ownership checks', async (t) => {
  const ours = buildSecretTags({ owner: 'finance' }, DEST, ASSOC)
  t.equal(isOwnedBy(ours, ASSOC), true)
  t.equal(isOwnedBy(ours, OTHER), false)
  t.equal(isOwnedBy(ours, DEST), false, 'the destination id is not an association id')
  t.equal(isOwnedBy(undefined, ASSOC), false)
  t.equal(isOwnedBy({}, ASSOC), false)
  t.equal(isOwnedBy({ 'HashiCorp:Vault': `vault-sync:${DEST}:${ASSOC}` }, ASSOC), false, 'the key is exact')
  t.equal(isOwnedBy({ 'hashicorp:vault': `x${ASSOC}` }, ASSOC), false)
  t.equal(isOwnedBy({ 'hashicorp:vault': '' }, ASSOC), false, 'Vault\'s own empty built-in value')
  t.equal(isOwnedByVaultSync(ours), true)
  t.equal(isOwnedByVaultSync({ 'hashicorp:vault': 'vault-sync:anything' }), true)
  t.equal(isOwnedByVaultSync({ 'hashicorp:vault': '' }), false)
  t.equal(isOwnedByVaultSync({ owner: 'vault-sync:x:y' }), false)
  t.equal(isOwnedByVaultSync(undefined), false)
})

t.test('validateCustomTags: the exact 400 texts', async (t) => {
  t.strictSame(validateCustomTags({}), [])
  t.strictSame(validateCustomTags({ team: 'payments', 'cost-center': '42', 'a:b/c.d': 'x y' }), [])
  const fourteen = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`k${i}`, 'v']))
  t.strictSame(validateCustomTags(fourteen), [])
  t.strictSame(validateCustomTags({ ...fourteen, k14: 'v' }), [
    'custom_tags: at most 14 tags are allowed (Azure allows 15 per secret, 1 is reserved for hashicorp:vault)'
  ])
  t.strictSame(validateCustomTags({ 'hashicorp:vault': 'x' }), ['custom_tags: tag key "hashicorp:vault" is reserved for vault-sync'])
  t.strictSame(validateCustomTags({ 'HashiCorp:VAULT': 'x' }), ['custom_tags: tag key "HashiCorp:VAULT" is reserved for vault-sync'])
  t.strictSame(validateCustomTags({ 'invalid key with spaces': 'x' }), ['custom_tags: tag key "invalid key with spaces" must not contain whitespace'])
  t.strictSame(validateCustomTags({ 'a\u00a0b': 'x' }), ['custom_tags: tag key "a\u00a0b" must not contain whitespace'])
  t.strictSame(validateCustomTags({ '': 'x' }), ['custom_tags: tag key "" must be 1-256 characters long'])
  t.strictSame(validateCustomTags({ k: '' }), ['custom_tags: the value of tag "k" must be 1-256 characters long'])
  t.strictSame(validateCustomTags({ ['a'.repeat(256)]: 'b'.repeat(256) }), [])
  t.strictSame(validateCustomTags({ ['a'.repeat(257)]: 'x' }), [`custom_tags: tag key "${'a'.repeat(257)}" must be 1-256 characters long`])
  t.strictSame(validateCustomTags({ k: 'b'.repeat(257) }), ['custom_tags: the value of tag "k" must be 1-256 characters long'])
  t.strictSame(validateCustomTags({ k: '\u{1F600}'.repeat(129) }), ['custom_tags: the value of tag "k" must be 1-256 characters long'], 'UTF-16 code units')
  t.strictSame(validateCustomTags({ 'a\u0001': 'x' }), ['custom_tags: tag key "a\\u0001" must not contain control characters'])
  t.strictSame(validateCustomTags({ k: 'line\nbreak' }), ['custom_tags: the value of tag "k" must not contain control characters'])
  t.strictSame(validateCustomTags({ k: 'a\u007fb' }), ['custom_tags: the value of tag "k" must not contain control characters'])
  t.strictSame(validateCustomTags({ k: 'tab\tinside value is a control character' }), ['custom_tags: the value of tag "k" must not contain control characters'])
  t.strictSame(validateCustomTags({ 'a\tb': '' }), [
    'custom_tags: tag key "a\\tb" must not contain whitespace',
    'custom_tags: tag key "a\\tb" must not contain control characters',
    'custom_tags: the value of tag "a\\tb" must be 1-256 characters long'
  ], 'every problem is reported')
})
