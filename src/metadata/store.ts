// The daemon's metadata: one LMDB environment under <root>/metadata with one table per kind of
// record. Every change goes through update(), one LMDB write transaction: it commits entirely or
// not at all, so a kill -9 at any point leaves the store consistent (LMDB's copy-on-write pages).
import * as fs from 'fs';
import * as path from 'path';
import { open, RootDatabase, Database } from 'lmdb';
import { systemError } from '../foundation/errors';

export interface Timestamps {
  createdAt: number;
  updatedAt: number;
}

export interface NamespaceRecord {
  labels: Record<string, string>;
}

export interface DescriptorRecord {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

export interface ImageRecord extends Timestamps {
  name: string;
  labels: Record<string, string>;
  target: DescriptorRecord;
}

export interface ContentRecord extends Timestamps {
  digest: string;
  size: number;
  labels: Record<string, string>;
}

export interface LeaseResource {
  id: string;
  type: string;
}

export interface LeaseRecord {
  id: string;
  createdAt: number;
  labels: Record<string, string>;
  resources: LeaseResource[];
}

export interface AnyRecord {
  typeUrl: string;
  value: Buffer;
}

export interface ContainerRecord extends Timestamps {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options?: AnyRecord };
  /** The OCI runtime spec, as the client sent it (value: the spec's JSON). */
  spec?: AnyRecord;
  snapshotter: string;
  snapshotKey: string;
  extensions: Record<string, AnyRecord>;
}

/** Tables keyed by `<namespace>/<id>`, except namespaces (keyed by name). */
export interface Tables {
  namespaces: Database<NamespaceRecord, string>;
  images: Database<ImageRecord, string>;
  content: Database<ContentRecord, string>;
  leases: Database<LeaseRecord, string>;
  containers: Database<ContainerRecord, string>;
  /** Every namespace-scoped table, the five above and those other services opened with table(). */
  scoped: Map<string, Database<unknown, string>>;
}

// LMDB fixes the number of named tables when the environment opens.
const MAX_TABLES = 64;

export class MetadataStore {
  private constructor(private readonly env: RootDatabase, readonly tables: Tables) {}

  /**
   * A namespace-scoped table for another service's records (containers, snapshots...), in the
   * same environment so its changes join the same transactions. Keys: scopedKey(ns, id).
   */
  table<V>(name: string): Database<V, string> {
    let db = this.tables.scoped.get(name);
    if (!db) {
      db = this.env.openDB<unknown, string>({ name });
      this.tables.scoped.set(name, db);
    }
    return db as Database<V, string>;
  }

  static open(root: string): MetadataStore {
    const dir = path.join(root, 'metadata');
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw systemError(`creating metadata directory ${dir}`, err);
    }
    const env = open({ path: path.join(dir, 'meta.lmdb'), compression: false, maxDbs: MAX_TABLES });
    const table = <V>(name: string) => env.openDB<V, string>({ name });
    // one write transaction for the five: a new store commits (and syncs) once, not five times
    const tables = env.transactionSync(() => ({
      namespaces: table<NamespaceRecord>('namespaces'),
      images: table<ImageRecord>('images'),
      content: table<ContentRecord>('content'),
      leases: table<LeaseRecord>('leases'),
      containers: table<ContainerRecord>('containers'),
    }));
    const scoped = new Map<string, Database<unknown, string>>(
      Object.entries(tables).filter(([name]) => name !== 'namespaces') as [string, Database<unknown, string>][],
    );
    return new MetadataStore(env, { ...tables, scoped });
  }

  /** Runs fn in one write transaction; a throw rolls every change back. */
  update<T>(fn: (tables: Tables) => T): T {
    return this.env.transactionSync(() => fn(this.tables));
  }

  /** Reads are consistent within one synchronous call (no write can interleave). */
  view<T>(fn: (tables: Tables) => T): T {
    return fn(this.tables);
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

export const scopedKey = (namespace: string, id: string) => `${namespace}/${id}`;

/** Every record of one namespace in a table, in key order. */
export function* inNamespace<V>(table: Database<V, string>, namespace: string): Generator<V> {
  // Namespace names never contain '/', and '0' is the byte after '/'.
  for (const { value } of table.getRange({ start: `${namespace}/`, end: `${namespace}0` })) yield value;
}
