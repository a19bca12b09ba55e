// ttrpc framing (github.com/containerd/ttrpc channel.go): a 10-byte header, then the payload.
//   bytes 0-3 payload length (uint32 BE, at most 4 MiB), 4-7 stream id (uint32 BE),
//   byte 8 message type (1 request, 2 response), byte 9 flags.

export const HEADER_LENGTH = 10;
export const MAX_PAYLOAD = 4 << 20;

export enum MessageType {
  Request = 1,
  Response = 2,
}

export interface Frame {
  streamId: number;
  type: number;
  flags: number;
  payload: Buffer;
}

/** A frame whose announced length exceeds MAX_PAYLOAD: its payload is skipped, not buffered. */
export interface OversizeFrame {
  streamId: number;
  type: number;
  length: number;
}

export function encodeFrame(streamId: number, type: MessageType, payload: Uint8Array, flags = 0): Buffer {
  if (payload.length > MAX_PAYLOAD) {
    throw new Error(`ttrpc message of ${payload.length} bytes exceeds the maximum of ${MAX_PAYLOAD}`);
  }
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(streamId >>> 0, 4);
  out.writeUInt8(type, 8);
  out.writeUInt8(flags, 9);
  out.set(payload, HEADER_LENGTH);
  return out;
}

/**
 * Reassembles frames from a byte stream whatever the chunking: push() every chunk read from
 * the socket, get back the complete frames it finished.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private skipRemaining = 0;

  constructor(private readonly onOversize: (frame: OversizeFrame) => void = () => {}) {}

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    if (this.skipRemaining > 0) {
      const skipped = Math.min(this.skipRemaining, chunk.length);
      this.skipRemaining -= skipped;
      chunk = chunk.subarray(skipped);
    }
    if (chunk.length === 0) return frames;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLength);
    let offset = 0;
    while (buf.length - offset >= HEADER_LENGTH) {
      const length = buf.readUInt32BE(offset);
      const streamId = buf.readUInt32BE(offset + 4);
      const type = buf.readUInt8(offset + 8);
      const flags = buf.readUInt8(offset + 9);
      if (length > MAX_PAYLOAD) {
        this.onOversize({ streamId, type, length });
        const available = buf.length - offset - HEADER_LENGTH;
        const skipped = Math.min(length, available);
        offset += HEADER_LENGTH + skipped;
        if (skipped < length) {
          this.skipRemaining = length - skipped;
          break;
        }
        continue;
      }
      if (buf.length - offset - HEADER_LENGTH < length) break;
      const start = offset + HEADER_LENGTH;
      // Copy: the payload outlives this chunk (handlers run asynchronously).
      frames.push({ streamId, type, flags, payload: Buffer.from(buf.subarray(start, start + length)) });
      offset = start + length;
    }
    buf = buf.subarray(offset);
    this.pending = buf.length ? [buf] : [];
    this.pendingLength = buf.length;
    return frames;
  }
}
