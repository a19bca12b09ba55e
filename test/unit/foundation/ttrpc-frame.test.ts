import { encodeFrame, FrameDecoder, HEADER_LENGTH, MAX_PAYLOAD, MessageType, OversizeFrame } from '../../../src/foundation/ttrpc/frame';
import { requestCodec, responseCodec } from '../../../src/foundation/ttrpc/envelope';

describe('ttrpc frame', () => {
  it('lays out the header as ttrpc channel.go does: length, stream id (BE), type, flags', () => {
    const frame = encodeFrame(0x01020305, MessageType.Request, Buffer.from('abc'));
    expect([...frame]).toEqual([0, 0, 0, 3, 1, 2, 3, 5, 1, 0, 0x61, 0x62, 0x63]);
  });

  it('decodes frames split at every byte boundary', () => {
    const wire = Buffer.concat([
      encodeFrame(1, MessageType.Request, Buffer.from('first')),
      encodeFrame(3, MessageType.Response, Buffer.alloc(0)),
      encodeFrame(5, MessageType.Request, Buffer.from('third!')),
    ]);
    for (let cut = 1; cut < wire.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
      expect(frames.map((f) => [f.streamId, f.type, f.payload.toString()])).toEqual([
        [1, 1, 'first'],
        [3, 2, ''],
        [5, 1, 'third!'],
      ]);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const wire = Buffer.concat([encodeFrame(7, MessageType.Request, Buffer.from('xy')), encodeFrame(9, MessageType.Request, Buffer.from('z'))]);
    const decoder = new FrameDecoder();
    const frames = [];
    for (const byte of wire) frames.push(...decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => f.payload.toString())).toEqual(['xy', 'z']);
  });

  it('skips an oversize frame without buffering it and keeps decoding after it', () => {
    const oversize: OversizeFrame[] = [];
    const decoder = new FrameDecoder((f) => oversize.push(f));
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt32BE(MAX_PAYLOAD + 1, 0);
    header.writeUInt32BE(11, 4);
    header.writeUInt8(1, 8);
    expect(decoder.push(header)).toEqual([]);
    expect(oversize).toEqual([{ streamId: 11, type: 1, length: MAX_PAYLOAD + 1 }]);
    expect(decoder.push(Buffer.alloc(MAX_PAYLOAD))).toEqual([]);
    const after = decoder.push(Buffer.concat([Buffer.alloc(1), encodeFrame(13, MessageType.Request, Buffer.from('ok'))]));
    expect(after.map((f) => [f.streamId, f.payload.toString()])).toEqual([[13, 'ok']]);
  });

  it('refuses to encode a payload over 4 MiB', () => {
    expect(() => encodeFrame(1, MessageType.Request, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(/exceeds the maximum/);
  });
});

describe('ttrpc envelopes', () => {
  it('encodes Request with the field numbers of ttrpc types.go', () => {
    const bytes = requestCodec.encode({
      service: 'S',
      method: 'M',
      payload: Buffer.from([9]),
      timeoutNano: 300,
      metadata: [{ key: 'k', value: 'v' }],
    });
    // 1:service 2:method 3:payload (length-delimited), 4:timeout_nano varint, 5:KeyValue{1,2}
    expect([...bytes]).toEqual([0x0a, 1, 0x53, 0x12, 1, 0x4d, 0x1a, 1, 9, 0x20, 0xac, 0x02, 0x2a, 6, 0x0a, 1, 0x6b, 0x12, 1, 0x76]);
  });

  it('decodes a Response carrying a google.rpc.Status', () => {
    // Response{status{code=5, message="no"}, payload=""}
    const decoded = responseCodec.decode(Buffer.from([0x0a, 6, 0x08, 5, 0x12, 2, 0x6e, 0x6f]));
    expect(decoded.status).toEqual({ code: 5, message: 'no', details: [] });
    expect(decoded.payload.length).toBe(0);
  });
});
