// Vault's listener JSON limits, checked on the text before parsing (issue 13 finding 3).
import t from 'tap'
import { DEFAULT_JSON_LIMITS } from '../../../src/vault/http-limits.js'
import { jsonLimitError } from '../../../src/vault/json-limits.js'

const small = { maxDepth: 3, maxStringValueLength: 8, maxObjectEntryCount: 3, maxArrayElementCount: 3, maxTokens: 40 }

t.test('each limit is named when exceeded, and only then', async (t) => {
  t.equal(jsonLimitError('{"a":[[1]]}', small), undefined, 'depth 3 is within 3')
  t.match(jsonLimitError('{"a":[[[1]]]}', small), /max_json_depth 3/)
  t.equal(jsonLimitError('{"a":"12345678"}', small), undefined)
  t.match(jsonLimitError('{"a":"123456789"}', small), /max_json_string_value_length 8/)
  t.match(jsonLimitError('{"a":"\\u00e9\\u00e9"}', small), /max_json_string_value_length/, 'raw bytes, escapes counted')
  t.match(jsonLimitError('{"a":"ééééé"}', small), /max_json_string_value_length/, 'UTF-8 bytes, not characters')
  t.match(jsonLimitError('{"a":123456789}', small), /number value exceeds/)
  t.match(jsonLimitError('{"a":1,"b":2,"c":3,"d":4}', small), /max_json_object_entry_count 3/)
  t.match(jsonLimitError('[1,2,3,4]', small), /max_json_array_element_count 3/)
  t.match(jsonLimitError('[["a"],{},[]]', { ...small, maxArrayElementCount: 2 }), /max_json_array_element_count 2/, 'containers count as elements')
  t.match(jsonLimitError(`[${'1,'.repeat(30)}1]`, { ...small, maxArrayElementCount: 100 }), /max_json_token 40/)
  t.equal(jsonLimitError('{"a\\"b":"c\\\\","d":"\\"}"}', DEFAULT_JSON_LIMITS), undefined, 'escaped quotes do not end strings')
  t.equal(jsonLimitError('"just a string"', small), undefined, 'scalars are left to the parser')
  t.equal(jsonLimitError('{"a":', small), undefined, 'syntax errors are left to the parser')
})

t.test('duplicate keys are refused, in small and large objects, escaped or not', async (t) => {
  t.equal(jsonLimitError('{"a":1,"b":{"a":2}}', DEFAULT_JSON_LIMITS), undefined, 'the same key in another object is fine')
  t.equal(jsonLimitError('{"a":1,"a":2}', DEFAULT_JSON_LIMITS), 'duplicate key in JSON object')
  t.equal(jsonLimitError('{"a":1,"\\u0061":2}', DEFAULT_JSON_LIMITS), 'duplicate key in JSON object', 'an escaped spelling is the same key')
  const many = Object.fromEntries(Array.from({ length: 40 }, (_v, i) => [`k${i}`, i]))
  t.equal(jsonLimitError(JSON.stringify(many), DEFAULT_JSON_LIMITS), undefined)
  t.equal(jsonLimitError(JSON.stringify(many).replace('"k39"', '"k3"'), DEFAULT_JSON_LIMITS), 'duplicate key in JSON object')
  t.notMatch(jsonLimitError('{"secret-key":1,"secret-key":2}', DEFAULT_JSON_LIMITS) ?? '', 'secret-key', 'the key is not quoted')
})
