// The :authority rewriter in front of runtsd's gRPC server: a socket path sent as a literal
// :authority (Huffman-coded or not) becomes a valid host of the same decoded length; the rest
// of the header block and every other frame pass unchanged.
import { AuthorityRewriter, readInt, rewriteHeaderBlock } from '../../../../src/daemon/authority';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const hpack = require('hpack.js');

/** An HPACK string literal, Huffman-coded or raw. */
function literal(value: string, huffman: boolean): Buffer {
  const enc = hpack.encoder.create();
  enc.encodeStr(Buffer.from(value), huffman);
  return Buffer.concat(enc.render());
}

const PATH_INDEXED = Buffer.from([0x84]); // static :path "/index.html"... any indexed field

test('readInt reads prefixed integers, short and multi-byte', () => {
  expect(readInt(Buffer.from([0x0a]), 0, 5)).toEqual([10, 1]);
  expect(readInt(Buffer.from([0x1f, 0x9a, 0x0a]), 0, 5)).toEqual([1337, 3]);
});

test.each([true, false])('a literal :authority holding a socket path is made a host name (huffman %s)', (huffman) => {
  const block = Buffer.concat([PATH_INDEXED, Buffer.from([0x41]), literal('/run/runtsd/runtsd.sock', huffman), PATH_INDEXED]);
  const out = rewriteHeaderBlock(block);
  const value = '-run-runtsd-runtsd.sock';
  expect(out).toEqual(Buffer.concat([PATH_INDEXED, Buffer.from([0x41, value.length]), Buffer.from(value), PATH_INDEXED]));
});

test('a valid authority, other literals and indexed fields are left as they are', () => {
  const block = Buffer.concat([Buffer.from([0x41]), literal('localhost', true), Buffer.from([0x44]), literal('/a/b', false), PATH_INDEXED]);
  expect(rewriteHeaderBlock(block)).toBe(block);
});

test('the stream rewriter fixes HEADERS frames split across chunks and passes the rest', () => {
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  const block = Buffer.concat([Buffer.from([0x41]), literal('/tmp/s.sock', true)]);
  const headers = Buffer.concat([Buffer.from([0, 0, block.length, 1, 0x4 | 0x1, 0, 0, 0, 1]), block]);
  const input = Buffer.concat([preface, settings, headers]);
  const rewriter = new AuthorityRewriter();
  const out: Buffer[] = [];
  rewriter.on('data', (d: Buffer) => out.push(d));
  for (let i = 0; i < input.length; i += 7) rewriter.write(input.subarray(i, i + 7));
  const all = Buffer.concat(out);
  const fixed = Buffer.concat([Buffer.from([0x41, 11]), Buffer.from('-tmp-s.sock')]);
  expect(all).toEqual(Buffer.concat([preface, settings, Buffer.from([0, 0, fixed.length, 1, 0x5, 0, 0, 0, 1]), fixed]));
});
