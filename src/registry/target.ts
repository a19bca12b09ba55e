// What a pull writes into and a push reads from, so that one registry client serves runtsd
// (its content store, directly) and runtsctl (runtsd's content service over gRPC, as ctr does).
import { Descriptor } from '../image/documents';

/** One ingest being filled; resumable when the store kept an earlier partial one. */
export interface BlobWriter {
  /** Bytes the ingest already holds (where a resumed download starts). */
  readonly offset: number;
  write(chunk: Buffer): Promise<void>;
  /** Drops what the ingest holds and starts again at 0 (the registry ignored a Range). */
  reset(): Promise<void>;
  /** Verifies size and digest against the descriptor and makes the blob visible, with labels. */
  commit(labels: Record<string, string>): Promise<void>;
  /** Removes the ingest: nothing of a failed blob stays. */
  abort(): Promise<void>;
}

export interface ContentTarget {
  /** A writer for the blob, or undefined when the store already holds it (then kept by the pull). */
  writer(ref: string, desc: Descriptor): Promise<BlobWriter | undefined>;
  /** Adds labels to a stored blob, keeping its others. */
  label(digest: string, labels: Record<string, string>): Promise<void>;
  /** A stored blob's labels (for the distribution source of a push). */
  labels(digest: string): Promise<Record<string, string>>;
  /** Whether the store holds the blob. */
  has(digest: string): Promise<boolean>;
  read(digest: string): Promise<Buffer>;
  stream(digest: string): AsyncIterable<Buffer>;
}

/** Unpacks layers into snapshots as they arrive, in order (see pull.ts). */
export interface LayerUnpacker {
  /**
   * A layer is downloaded, maybe before the ones below it are unpacked: work that does not need
   * them (extracting it on its own) may start now; unpack() then finishes it.
   */
  prefetch?(layer: Descriptor, index: number, diffId: string, chainId: string): void;
  /** The pull failed: drop whatever prefetch started. */
  abandon?(): Promise<void>;
  /** Applies the layer on the parent chain and commits it as chainId; 'exists' when already there. */
  unpack(layer: Descriptor, diffId: string, chainId: string, parent: string): Promise<'exists' | 'unpacked'>;
  /** After the last layer: keeps the snapshots referenced from the config (gc label). */
  finish(config: Descriptor, topChainId: string): Promise<void>;
}
