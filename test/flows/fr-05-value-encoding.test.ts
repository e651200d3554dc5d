// FR-05: secret-path writes the JSON of the whole map (stable, Go-encoded); secret-key writes
// one secret per key, strings raw.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('secret-path vs secret-key values and content types', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.put('api', { value: 's3cr3t', n: 5, o: { b: 2, a: '<&>' } })
  await tb.destination('path', { secret_name_template: 'p-{{ .SecretBaseName }}' })
  await tb.destination('keys', { granularity: 'secret-key', secret_name_template: 'k-{{ .SecretKey }}' })
  await tb.set('path', 'api')
  await tb.set('keys', 'api')
  await tb.settle()
  t.same(tb.names(), ['k-n', 'k-o', 'k-value', 'p-api'])
  const whole = tb.latest('p-api')!
  t.equal(whole.value, '{"n":5,"o":{"a":"\\u003c\\u0026\\u003e","b":2},"value":"s3cr3t"}', 'keys sorted, no spaces, HTML characters escaped as Go does')
  t.equal(whole.contentType, 'application/json')
  t.same([tb.latest('k-value')!.value, tb.latest('k-value')!.contentType], ['s3cr3t', 'text/plain'])
  t.same([tb.latest('k-n')!.value, tb.latest('k-n')!.contentType], ['5', 'application/json'])
  t.same([tb.latest('k-o')!.value, tb.latest('k-o')!.contentType], ['{"a":"\\u003c\\u0026\\u003e","b":2}', 'application/json'])
  // The same data again, keys in another order: no new Azure version (no churn).
  await tb.put('api', { o: { a: '<&>', b: 2 }, n: 5, value: 's3cr3t' })
  await tb.settle()
  t.equal(tb.azure('p-api')!.versions.length, 1)
  t.equal(tb.azure('k-value')!.versions.length, 1)
})
