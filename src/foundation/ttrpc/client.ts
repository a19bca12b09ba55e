// A ttrpc client on a unix socket: odd stream ids from 1 in steps of 2, any number of calls in
// flight, each answered by the response frame carrying its stream id.
import * as net from 'net';
import { encodeFrame, FrameDecoder, MessageType } from './frame';
import { requestCodec, responseCodec } from './envelope';
import { socketPathOf } from './socket-path';
import { Code, TtrpcError } from './status';

export interface CallOptions {
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

interface Pending {
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

export class TtrpcClient {
  private nextStreamId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | undefined;

  private constructor(private readonly conn: net.Socket) {
    const decoder = new FrameDecoder();
    conn.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type !== MessageType.Response) continue;
        const call = this.pending.get(frame.streamId);
        if (!call) continue;
        this.settle(frame.streamId);
        try {
          const response = responseCodec.decode(frame.payload);
          if (response.status && response.status.code !== Code.OK) {
            call.reject(new TtrpcError(response.status.code, response.status.message));
          } else {
            call.resolve(response.payload);
          }
        } catch (err) {
          call.reject(new TtrpcError(Code.INTERNAL, `bad ttrpc response: ${(err as Error).message}`));
        }
      }
    });
    conn.on('error', (err) => this.fail(err));
    conn.on('close', () => this.fail(new Error('connection closed')));
  }

  /** address: unix:///path or a bare socket path. */
  static connect(address: string): Promise<TtrpcClient> {
    const path = socketPathOf(address);
    return new Promise((resolve, reject) => {
      const conn = net.createConnection(path);
      conn.once('error', (err) => reject(new TtrpcError(Code.UNAVAILABLE, `connect to ttrpc socket ${path}: ${err.message}`)));
      conn.once('connect', () => {
        conn.removeAllListeners('error');
        resolve(new TtrpcClient(conn));
      });
    });
  }

  call(service: string, method: string, payload: Uint8Array, options: CallOptions = {}): Promise<Buffer> {
    if (this.closedError) {
      return Promise.reject(new TtrpcError(Code.UNAVAILABLE, `ttrpc ${service}/${method}: ${this.closedError.message}`));
    }
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    const request = requestCodec.encode({
      service,
      method,
      payload: Buffer.from(payload),
      timeoutNano: options.timeoutMs ? options.timeoutMs * 1e6 : 0,
      metadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return new Promise((resolve, reject) => {
      const call: Pending = { resolve, reject };
      if (options.timeoutMs) {
        call.timer = setTimeout(() => {
          this.settle(streamId);
          reject(new TtrpcError(Code.DEADLINE_EXCEEDED, `ttrpc ${service}/${method}: timed out after ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.pending.set(streamId, call);
      this.conn.write(encodeFrame(streamId, MessageType.Request, request));
    });
  }

  close(): void {
    this.conn.destroy();
  }

  private settle(streamId: number): void {
    const call = this.pending.get(streamId);
    if (call?.timer) clearTimeout(call.timer);
    this.pending.delete(streamId);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const [id, call] of this.pending) {
      this.settle(id);
      call.reject(new TtrpcError(Code.UNAVAILABLE, `ttrpc connection lost: ${err.message}`));
    }
  }
}
