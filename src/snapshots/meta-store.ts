// Snapshot metadata behind a small transactional interface, so the daemon's store (LMDB) can
// replace the JSON file used here. Every change (prepare, commit, remove, update) is one
// transaction: a crash leaves the state before or after it, never a mixture.

import * as fs from 'fs';
import * as path from 'path';
import { systemError } from '../foundation/errors';
import { writeFileAtomic } from '../foundation/atomic-file';
import { SnapshotKind } from './types';

export interface SnapshotRecord {
  /** directory name under snapshots/, never reused while the record exists */
  id: string;
  kind: SnapshotKind;
  parent: string;
  labels: Record<string, string>;
  created: string;
  updated: string;
  /** measured at commit for committed snapshots */
  usage?: { size: number; inodes: number };
}

export interface SnapshotMetaTx {
  get(key: string): SnapshotRecord | undefined;
  put(key: string, record: SnapshotRecord): void;
  delete(key: string): void;
  entries(): Array<[string, SnapshotRecord]>;
  /** a fresh id, unique within this store */
  nextId(): string;
}

export interface SnapshotMetaStore {
  /** Runs `fn` on a consistent view; changes made in it are discarded. */
  read<T>(fn: (tx: SnapshotMetaTx) => T): Promise<T>;
  /** Runs `fn` and commits its changes atomically if it returns; nothing is kept if it throws. */
  update<T>(fn: (tx: SnapshotMetaTx) => T | Promise<T>): Promise<T>;
}

interface JsonState {
  nextId: number;
  snapshots: Record<string, SnapshotRecord>;
}

/** Metadata in one JSON file replaced with write-temp + fsync + rename; updates are serialized. */
export class JsonFileMetaStore implements SnapshotMetaStore {
  private state: JsonState | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  private load(): JsonState {
    if (this.state) return this.state;
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as JsonState;
      this.state = { nextId: parsed.nextId ?? 1, snapshots: parsed.snapshots ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw systemError(`reading snapshot metadata ${this.file}`, err);
      this.state = { nextId: 1, snapshots: {} };
    }
    return this.state;
  }

  private static txOver(state: JsonState): SnapshotMetaTx {
    return {
      get: (key) => state.snapshots[key],
      put: (key, record) => { state.snapshots[key] = record; },
      delete: (key) => { delete state.snapshots[key]; },
      entries: () => Object.entries(state.snapshots),
      nextId: () => String(state.nextId++),
    };
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  read<T>(fn: (tx: SnapshotMetaTx) => T): Promise<T> {
    return this.serialize(async () => fn(JsonFileMetaStore.txOver(structuredClone(this.load()))));
  }

  update<T>(fn: (tx: SnapshotMetaTx) => T | Promise<T>): Promise<T> {
    return this.serialize(async () => {
      const draft = structuredClone(this.load());
      const result = await fn(JsonFileMetaStore.txOver(draft));
      this.write(draft);
      this.state = draft;
      return result;
    });
  }

  private write(state: JsonState): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, JSON.stringify(state), { mode: 0o600, sync: 'file+dir' });
    } catch (err) {
      throw systemError(`writing snapshot metadata ${this.file}`, err);
    }
  }
}
