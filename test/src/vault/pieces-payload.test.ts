// A reply payload sent as its pieces (src/vault/pieces-payload.ts): any consumer gets the pieces'
// bytes in order, a pipe writes them all and ends both streams, and hooks read the same bytes.
import t from 'tap'
import { PassThrough, Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { payloadBytes, PiecesPayload } from '../../../src/vault/pieces-payload.js'

const pieces = (): Buffer[] => ['{"a":', '"\u00e9\u{1F600}"', ',"b":[1,2]', '}'].map((s) => Buffer.from(s, 'utf8'))

t.test('read as a plain stream, it gives the pieces in order', async (t) => {
  const p = new PiecesPayload(pieces())
  t.equal(p.byteLength, Buffer.concat(pieces()).length)
  t.equal(await text(p), '{"a":"\u00e9\u{1F600}","b":[1,2]}')
})

t.test('piped, it writes every piece, ends the destination and ends itself', async (t) => {
  const p = new PiecesPayload(pieces())
  const ended = new Promise<void>((resolve) => p.on('end', resolve))
  const out = new PassThrough()
  const got = text(out)
  t.equal(p.pipe(out), out)
  t.equal(await got, '{"a":"\u00e9\u{1F600}","b":[1,2]}')
  await ended
  t.pass('the payload ended')
})

t.test('payloadBytes: strings and buffers as they are, pieces joined, other streams undefined', async (t) => {
  t.equal(payloadBytes('x'), 'x')
  t.same(payloadBytes(Buffer.from('y')), Buffer.from('y'))
  t.same(payloadBytes(new PiecesPayload(pieces())), Buffer.concat(pieces()))
  t.equal(payloadBytes(Readable.from(['z'])), undefined)
  t.equal(payloadBytes(undefined), undefined)
})
