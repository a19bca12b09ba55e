// The registry client's content target over runtsd's content service, as ctr writes: one
// Content.Write stream per blob (STAT to learn where a kept ingest stops, WRITE at that offset,
// COMMIT with the expected digest and labels); ALREADY_EXISTS means the store has it and the
// lease took it.
import * as grpc from '@grpc/grpc-js';
import { Client, hasCode } from '../../client/client';
import { ContentAccess } from '../../client/documents';
import { abortIngest } from '../../client/write-blob';
import { Descriptor } from '../../image/documents';
import { BlobWriter, ContentTarget } from '../../registry/target';

const MESSAGE_BYTES = 1 << 20;
const LOCKED_RETRY_MS = 100;
const LOCKED_WAIT_MS = 10 * 60 * 1000;

class GrpcBlobWriter implements BlobWriter {
  private failure: Error | undefined;
  private pending: ((m: { action: string; offset: number }) => void)[] = [];
  private waiting: (() => void)[] = [];
  offset = 0;

  constructor(private readonly client: Client, private readonly call: grpc.ClientDuplexStream<any, any>, private readonly ref: string, private readonly desc: Descriptor) {
    call.on('data', (m: { action: string; offset: number }) => this.pending.shift()?.(m));
    call.on('error', (err: grpc.ServiceError) => {
      this.failure = err.code === grpc.status.ALREADY_EXISTS ? Object.assign(new Error('exists'), { exists: true })
        : err.code === grpc.status.UNAVAILABLE && /locked/.test(err.details) ? Object.assign(new Error(err.details), { locked: true })
          : client.wrapError('content', `Write of ${ref}`, err);
      this.waiting.splice(0).forEach((wake) => wake());
      this.pending.splice(0).forEach((answer) => answer({ action: 'ERROR', offset: -1 }));
    });
  }

  /** Sends a message and waits for its answer. */
  request(message: Record<string, unknown>): Promise<{ action: string; offset: number }> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pending.push((m) => (this.failure ? reject(this.failure) : resolve(m)));
      this.call.write({ ref: this.ref, ...message });
    });
  }

  /** Bytes taken but not sent yet: small HTTP chunks go out as messages of about 1 MiB. */
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  async write(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.buffered.push(data);
    this.bufferedBytes += data.length;
    this.offset += data.length;
    if (this.bufferedBytes >= MESSAGE_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.bufferedBytes === 0) return;
    const data = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    const at = this.offset - data.length;
    this.buffered = [];
    this.bufferedBytes = 0;
    // WRITE answers are not awaited (as ctr): the stream's flow control bounds what is in flight.
    this.pending.push(() => undefined);
    const ready = this.call.write({ action: 'WRITE', ref: this.ref, offset: at, data });
    if (!ready) await new Promise<void>((resolve) => { this.waiting.push(resolve); this.call.once('drain', resolve); });
    if (this.failure) throw this.failure;
  }

  async reset(): Promise<void> {
    this.buffered = [];
    this.bufferedBytes = 0;
    this.offset = 0;
  }

  async commit(labels: Record<string, string>): Promise<void> {
    try {
      await this.flush();
      await this.request({ action: 'COMMIT', total: this.desc.size, offset: this.offset, expected: this.desc.digest, labels });
    } catch (err) {
      // Committed meanwhile by another pull: the lease holds it, its labels are added.
      if (!(err as { exists?: boolean }).exists) throw err;
      if (Object.keys(labels).length) await new ContentAccess(this.client).label(this.desc.digest, labels);
    }
    this.call.end();
  }

  async abort(): Promise<void> {
    this.call.cancel();
    await abortIngest(this.client, this.ref);
  }
}

export function grpcContentTarget(client: Client): ContentTarget {
  const access = new ContentAccess(client);
  return {
    async writer(ref, desc) {
      // Another pull of the same blob holds the ingest: wait for it (then the blob is in).
      for (let waited = 0; ; waited += LOCKED_RETRY_MS) {
        const call = client.duplex('content', 'Write');
        const writer = new GrpcBlobWriter(client, call, ref, desc);
        try {
          const stat = await writer.request({ action: 'STAT', total: desc.size, expected: desc.digest });
          writer.offset = stat.offset;
          return writer;
        } catch (err) {
          call.cancel();
          if ((err as { exists?: boolean }).exists) return undefined;
          if (!(err as { locked?: boolean }).locked || waited >= LOCKED_WAIT_MS) throw err;
          await new Promise((r) => setTimeout(r, LOCKED_RETRY_MS));
        }
      }
    },
    label: (digest, labels) => access.label(digest, labels),
    async labels(digest) {
      const { info } = await client.unary('content', 'Info', { digest });
      return info.labels ?? {};
    },
    async has(digest) {
      try {
        await client.unary('content', 'Info', { digest });
        return true;
      } catch (err) {
        if (hasCode(err, 'NOT_FOUND')) return false;
        throw err;
      }
    },
    read: (digest) => access.read(digest),
    async *stream(digest) {
      for await (const m of client.iterate('content', 'Read', { digest, offset: 0, size: 0 })) yield m.data as Buffer;
    },
  };
}
