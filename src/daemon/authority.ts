// Clients built on older grpc-go (crictl 1.26, kubelet before 1.26) send a unix socket's path as
// the HTTP/2 `:authority` ("/run/runtsd/runtsd.sock"); Node's HTTP/2 layer refuses that value
// and resets the stream with PROTOCOL_ERROR before grpc-js sees the call. runtsd's listener runs
// the bytes a client sends through this rewriter: in a HEADERS frame, a literal `:authority`
// whose characters a host name cannot hold gets each such character replaced by '-'. The value
// keeps its length, so the HPACK dynamic table (whose entry sizes count decoded octets) stays in
// step between the client's encoder and Node's decoder; everything else passes byte for byte.
import * as net from 'net';
import { Duplex, Transform, TransformCallback } from 'stream';

type HpackDecoder = { create(): { push(b: Buffer): void; decodeStr(): number[] | Buffer } };
// required with the first Huffman-coded :authority, not at start (hpack.js loads readable-stream)
const hpackDecoder = () => require('hpack.js/lib/hpack/decoder') as HpackDecoder;

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const HEADERS = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** HPACK static table index of `:authority`. */
const AUTHORITY_INDEX = 1;
const HOST_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:%[\]@]$/;

/** An HPACK integer with an n-bit prefix at buf[pos]: its value and the offset after it. */
export function readInt(buf: Buffer, pos: number, prefixBits: number): [number, number] {
  const max = (1 << prefixBits) - 1;
  let value = buf[pos] & max;
  pos += 1;
  if (value < max) return [value, pos];
  let shift = 0;
  for (;;) {
    if (pos >= buf.length || shift > 28) throw new Error('truncated HPACK integer');
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, pos];
  }
}

function writeInt(value: number, prefixBits: number, firstBits: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstBits | value]);
  const out = [firstBits | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** A string literal at pos: its decoded octets and the offset after it. */
function readString(buf: Buffer, pos: number): [Buffer, number] {
  const huffman = (buf[pos] & 0x80) !== 0;
  const [length, start] = readInt(buf, pos, 7);
  const end = start + length;
  if (end > buf.length) throw new Error('truncated HPACK string');
  if (!huffman) return [buf.subarray(start, end), end];
  const decoder = hpackDecoder().create();
  decoder.push(buf.subarray(pos, end));
  return [Buffer.from(decoder.decodeStr()), end];
}

const sanitize = (value: Buffer): Buffer =>
  Buffer.from([...value.toString('latin1')].map((c) => (HOST_CHAR.test(c) ? c : '-')).join(''), 'latin1');

/** The header block with any bad literal :authority value made valid, or the same buffer. */
export function rewriteHeaderBlock(block: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  let copied = 0;
  let changed = false;
  while (pos < block.length) {
    const b = block[pos];
    if (b & 0x80) { [, pos] = readInt(block, pos, 7); continue; } // indexed field
    if ((b & 0xe0) === 0x20) { [, pos] = readInt(block, pos, 5); continue; } // table size update
    const prefix = (b & 0xc0) === 0x40 ? 6 : 4; // with incremental indexing, or without / never
    let index: number;
    [index, pos] = readInt(block, pos, prefix);
    if (index === 0) [, pos] = readString(block, pos);
    const valueStart = pos;
    let value: Buffer;
    [value, pos] = readString(block, pos);
    if (index !== AUTHORITY_INDEX) continue;
    const fixed = sanitize(value);
    if (fixed.equals(value)) continue;
    parts.push(block.subarray(copied, valueStart), writeInt(fixed.length, 7, 0), fixed);
    copied = pos;
    changed = true;
  }
  if (!changed) return block;
  parts.push(block.subarray(copied));
  return Buffer.concat(parts);
}

/** A HEADERS frame (whole, header included) with its block rewritten; padding is dropped. */
function rewriteHeadersFrame(frame: Buffer): Buffer {
  const flags = frame[4];
  if (!(flags & FLAG_END_HEADERS)) return frame; // continued in CONTINUATION frames: left alone
  let start = FRAME_HEADER;
  let end = frame.length;
  if (flags & FLAG_PADDED) {
    end -= frame[start];
    start += 1;
  }
  const priority = flags & FLAG_PRIORITY ? frame.subarray(start, start + 5) : Buffer.alloc(0);
  start += priority.length;
  if (end < start) return frame;
  const block = frame.subarray(start, end);
  let rewritten: Buffer;
  try {
    rewritten = rewriteHeaderBlock(block);
  } catch {
    return frame; // malformed: Node's decoder reports it
  }
  if (rewritten === block) return frame;
  const header = Buffer.from(frame.subarray(0, FRAME_HEADER));
  const length = priority.length + rewritten.length;
  header.writeUIntBE(length, 0, 3);
  header[4] = flags & ~FLAG_PADDED;
  return Buffer.concat([header, priority, rewritten]);
}

/** The client-to-server byte stream of one HTTP/2 connection, with :authority fixed. */
export class AuthorityRewriter extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_LENGTH;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, buf.length);
      this.push(buf.subarray(0, n));
      this.prefaceLeft -= n;
      buf = buf.subarray(n);
    }
    const out: Buffer[] = [];
    while (buf.length >= FRAME_HEADER) {
      const size = FRAME_HEADER + buf.readUIntBE(0, 3);
      if (buf.length < size) break;
      const frame = buf.subarray(0, size);
      out.push(frame[3] === HEADERS ? rewriteHeadersFrame(frame) : frame);
      buf = buf.subarray(size);
    }
    if (out.length) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
    this.pending = buf;
    callback();
  }
}

/** The socket as grpc-js gets it: reads pass through the rewriter, writes go straight out. */
export function withAuthorityRewritten(socket: net.Socket): Duplex {
  const rewriter = new AuthorityRewriter();
  const duplex = Duplex.from({ readable: socket.pipe(rewriter), writable: socket });
  const destroy = () => { socket.destroy(); duplex.destroy(); };
  socket.once('close', destroy);
  duplex.once('close', destroy);
  socket.on('error', () => duplex.destroy());
  return duplex;
}
