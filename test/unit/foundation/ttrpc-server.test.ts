import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { TtrpcServer } from '../../../src/foundation/ttrpc/server';
import { TtrpcClient } from '../../../src/foundation/ttrpc/client';
import { Code, TtrpcError } from '../../../src/foundation/ttrpc/status';
import { encodeFrame, Frame, FrameDecoder, MessageType } from '../../../src/foundation/ttrpc/frame';
import { requestCodec, responseCodec } from '../../../src/foundation/ttrpc/envelope';
import { notFound } from '../../../src/foundation/errors';

describe('ttrpc server and client over a unix socket', () => {
  let dir: string;
  let socket: string;
  let server: TtrpcServer;
  let client: TtrpcClient | undefined;
  const seen: string[][] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-ttrpc-'));
    socket = path.join(dir, 's.sock');
    server = new TtrpcServer();
    server.register('test.Echo', {
      Echo: async (payload, ctx) => {
        seen.push(ctx.metadata.get('who') ?? []);
        return payload;
      },
      Slow: async (payload) => {
        await new Promise((r) => setTimeout(r, 200));
        return payload;
      },
      Missing: async () => {
        throw notFound('container c1: not found');
      },
      Never: () => new Promise<Uint8Array>(() => {}),
    });
    await server.listen(socket);
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers calls with payload and metadata', async () => {
    client = await TtrpcClient.connect(`unix://${socket}`);
    const out = await client.call('test.Echo', 'Echo', Buffer.from('hello'), { metadata: { who: 'me' } });
    expect(out.toString()).toBe('hello');
    expect(seen.at(-1)).toEqual(['me']);
  });

  it('runs requests concurrently: a fast call overtakes a slow one', async () => {
    client = await TtrpcClient.connect(socket);
    const order: string[] = [];
    const slow = client.call('test.Echo', 'Slow', Buffer.from('slow')).then((b) => order.push(b.toString()));
    const fast = client.call('test.Echo', 'Echo', Buffer.from('fast')).then((b) => order.push(b.toString()));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('returns Unimplemented for unknown services and methods, and the mapped code for handler errors', async () => {
    client = await TtrpcClient.connect(socket);
    await expect(client.call('no.Such', 'Echo', Buffer.alloc(0))).rejects.toMatchObject({ code: Code.UNIMPLEMENTED, message: 'service no.Such' });
    await expect(client.call('test.Echo', 'Nope', Buffer.alloc(0))).rejects.toMatchObject({ code: Code.UNIMPLEMENTED, message: 'method Nope' });
    await expect(client.call('test.Echo', 'Missing', Buffer.alloc(0))).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      message: 'container c1: not found',
    });
  });

  it('answers DeadlineExceeded when the request timeout passes', async () => {
    client = await TtrpcClient.connect(socket);
    const raw = await rawConnection(socket);
    try {
      const request = requestCodec.encode({ service: 'test.Echo', method: 'Never', timeoutNano: 50e6 });
      raw.conn.write(encodeFrame(1, MessageType.Request, request));
      const [frame] = await raw.next();
      expect(responseCodec.decode(frame.payload).status).toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    } finally {
      raw.conn.destroy();
    }
  });

  it('rejects even stream ids, ignores unknown frame types, refuses oversize frames', async () => {
    const raw = await rawConnection(socket);
    try {
      const request = requestCodec.encode({ service: 'test.Echo', method: 'Echo', payload: Buffer.from('x') });
      raw.conn.write(encodeFrame(2, MessageType.Request, request));
      const [frame] = await raw.next();
      expect(frame.streamId).toBe(2);
      expect(responseCodec.decode(frame.payload).status).toEqual({
        code: Code.INVALID_ARGUMENT,
        message: 'StreamID must be odd for client initiated streams',
        details: [],
      });

      raw.conn.write(encodeFrame(3, 7 as MessageType, request));
      const oversize = Buffer.alloc(10);
      oversize.writeUInt32BE((4 << 20) + 1, 0);
      oversize.writeUInt32BE(5, 4);
      oversize.writeUInt8(1, 8);
      raw.conn.write(oversize);
      raw.conn.write(Buffer.alloc((4 << 20) + 1));
      raw.conn.write(encodeFrame(7, MessageType.Request, request));
      const frames = [...(await raw.next())];
      while (frames.length < 2) frames.push(...(await raw.next()));
      // stream 3 (unknown type) got no answer at all
      expect(frames.map((f) => f.streamId)).toEqual([5, 7]);
      expect(responseCodec.decode(frames[0].payload).status?.code).toBe(Code.RESOURCE_EXHAUSTED);
      const ok = responseCodec.decode(frames[1].payload);
      expect(ok.status?.code).toBe(Code.OK);
      expect(ok.payload.toString()).toBe('x');
    } finally {
      raw.conn.destroy();
    }
  });

  it('fails pending calls when the server goes away', async () => {
    client = await TtrpcClient.connect(socket);
    const pending = client.call('test.Echo', 'Never', Buffer.alloc(0));
    await new Promise((r) => setTimeout(r, 20));
    await server.close();
    await expect(pending).rejects.toBeInstanceOf(TtrpcError);
    await expect(pending).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('reports a missing socket as Unavailable', async () => {
    await expect(TtrpcClient.connect(path.join(dir, 'absent.sock'))).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});

/** A bare socket speaking frames, to send what a well-behaved client never would. */
async function rawConnection(socket: string) {
  const conn = net.createConnection(socket);
  await new Promise<void>((resolve, reject) => conn.once('connect', resolve).once('error', reject));
  const decoder = new FrameDecoder();
  const queue: Frame[] = [];
  let wake: (() => void) | undefined;
  conn.on('data', (chunk: Buffer) => {
    queue.push(...decoder.push(chunk));
    wake?.();
  });
  return {
    conn,
    /** Every frame received so far, waiting for at least one. */
    next: async (): Promise<Frame[]> => {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.splice(0);
    },
  };
}
