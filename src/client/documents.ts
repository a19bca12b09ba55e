// Reading JSON documents back (from the archive pass when kept, else from runtsd's content
// store) and labelling content so garbage collection keeps what an image refers to.
import { Client } from './client';
import { Descriptor } from '../image/documents';

export class ContentAccess {
  constructor(private readonly client: Client, private readonly kept: Map<string, Buffer> = new Map()) {}

  async read(digest: string): Promise<Buffer> {
    const kept = this.kept.get(digest);
    if (kept) return kept;
    const parts = await this.client.stream('content', 'Read', { digest, offset: 0, size: 0 });
    const data = Buffer.concat(parts.map((p: { data: Buffer }) => p.data));
    this.kept.set(digest, data);
    return data;
  }

  /** Adds labels to a blob, leaving its other labels alone. */
  async label(digest: string, labels: Record<string, string>): Promise<void> {
    const paths = Object.keys(labels).map((k) => `labels.${k}`);
    if (paths.length) await this.client.unary('content', 'Update', { info: { digest, labels }, update_mask: { paths } });
  }
}

/** The wire form (containerd.types.Descriptor) of a descriptor. */
export const toWire = (d: Descriptor) => ({ media_type: d.mediaType, digest: d.digest, size: d.size, annotations: d.annotations ?? {} });
