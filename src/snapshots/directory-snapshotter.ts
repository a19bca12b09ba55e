// What the overlayfs and native snapshotters share: one directory per snapshot under
// <root>/snapshots/<id>, metadata in a SnapshotMetaStore, and containerd's rules for kinds and
// parents. Subclasses say how a new snapshot's directory is filled and how it is mounted.
//
// Crash safety: a new snapshot's directory is built under a temporary name and renamed to its id
// inside the metadata transaction; Commit is a single metadata transaction (same id, new key);
// Remove deletes the record first and the directory after. A crash therefore leaves at worst a
// directory without a record, which cleanup() removes.

import * as fs from 'fs';
import * as path from 'path';
import { RuntsError, invalid, notFound, systemError } from '../foundation/errors';
import { snapshotFilter } from './filter';
import { SnapshotMetaStore, SnapshotMetaTx, SnapshotRecord } from './meta-store';
import { Mount, SnapshotInfo, SnapshotKind, SnapshotUsage, Snapshotter } from './types';
import { diskUsage } from './usage';

const MAX_LABEL_BYTES = 4096;
const NEW_PREFIX = 'new-';

export function validateLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    if (key === '') throw invalid('invalid snapshot label: empty key');
    if (Buffer.byteLength(key) + Buffer.byteLength(value) > MAX_LABEL_BYTES) {
      throw invalid(`invalid snapshot label ${JSON.stringify(key)}: key and value exceed ${MAX_LABEL_BYTES} bytes`);
    }
  }
}

const exists = (what: string) => new RuntsError(what, 'exists');
const precondition = (what: string) => new RuntsError(what, 'state');

export abstract class DirectorySnapshotter implements Snapshotter {
  abstract readonly name: string;
  readonly snapshotsDir: string;
  /** temporary directories of creations under way: not debris */
  private readonly inFlight = new Set<string>();

  constructor(readonly root: string, protected readonly meta: SnapshotMetaStore) {
    this.snapshotsDir = path.join(root, 'snapshots');
    fs.mkdirSync(this.snapshotsDir, { recursive: true, mode: 0o700 });
  }

  /** The directory whose contents are the snapshot's files. */
  fsDir(id: string): string {
    return path.join(this.snapshotsDir, id, 'fs');
  }

  /** Creates `dir`/fs (and whatever else a snapshot needs) for a new snapshot; `parentIds` nearest first. */
  protected abstract populate(dir: string, kind: SnapshotKind, parentIds: string[]): Promise<void>;

  protected abstract mountsFor(id: string, kind: SnapshotKind, parentIds: string[]): Mount[];

  /** Called after the metadata commit made snapshot `id` immutable. */
  protected async committed(_id: string): Promise<void> {
    /* nothing by default */
  }

  /** Removes one snapshot directory (a subclass may have to dismantle it first). */
  protected async removeDirectory(dir: string): Promise<void> {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }

  prepare(key: string, parent: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.create('active', key, parent, labels);
  }

  view(key: string, parent: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.create('view', key, parent, labels);
  }

  private async create(kind: SnapshotKind, key: string, parent: string, labels: Record<string, string>): Promise<Mount[]> {
    if (!key) throw invalid(`${kind === 'view' ? 'view' : 'prepare'}: snapshot key must not be empty`);
    validateLabels(labels);
    // Parents are immutable once committed, so the copy/creation can happen outside the transaction.
    const parentIds = await this.meta.read((tx) => {
      if (tx.get(key)) throw exists(`snapshot ${JSON.stringify(key)} already exists`);
      return parent ? this.parentChain(tx, parent) : [];
    });
    const temp = await fs.promises.mkdtemp(path.join(this.snapshotsDir, NEW_PREFIX));
    this.inFlight.add(path.basename(temp));
    try {
      await this.populate(temp, kind, parentIds);
      const id = await this.meta.update(async (tx) => {
        if (tx.get(key)) throw exists(`snapshot ${JSON.stringify(key)} already exists`);
        const chain = parent ? this.parentChain(tx, parent) : [];
        if (chain.join('/') !== parentIds.join('/')) throw precondition(`parent ${JSON.stringify(parent)} changed while preparing ${JSON.stringify(key)}`);
        const newId = tx.nextId();
        const final = path.join(this.snapshotsDir, newId);
        // A directory with this id but no record is crash debris from before: replace it.
        await this.removeDirectory(final);
        await fs.promises.rename(temp, final);
        const now = new Date().toISOString();
        tx.put(key, { id: newId, kind, parent, labels: { ...labels }, created: now, updated: now });
        return newId;
      });
      return this.mountsFor(id, kind, parentIds);
    } catch (err) {
      await this.removeDirectory(temp).catch(() => undefined);
      throw err instanceof RuntsError ? err : systemError(`creating snapshot ${JSON.stringify(key)}`, err);
    } finally {
      this.inFlight.delete(path.basename(temp));
    }
  }

  /** Ids of `parent` and its ancestors, nearest first; `parent` must be committed. */
  private parentChain(tx: SnapshotMetaTx, parent: string): string[] {
    const ids: string[] = [];
    let current: string = parent;
    while (current) {
      const record = tx.get(current);
      if (!record) throw notFound(`parent snapshot ${JSON.stringify(current)} does not exist`);
      if (record.kind !== 'committed') throw precondition(`parent snapshot ${JSON.stringify(current)} is not committed`);
      ids.push(record.id);
      current = record.parent;
    }
    return ids;
  }

  private static require(tx: SnapshotMetaTx, key: string): SnapshotRecord {
    const record = tx.get(key);
    if (!record) throw notFound(`snapshot ${JSON.stringify(key)} does not exist`);
    return record;
  }

  async mounts(key: string): Promise<Mount[]> {
    return this.meta.read((tx) => {
      const record = DirectorySnapshotter.require(tx, key);
      if (record.kind === 'committed') throw precondition(`snapshot ${JSON.stringify(key)} is committed: only active snapshots and views have mounts`);
      return this.mountsFor(record.id, record.kind, record.parent ? this.parentChain(tx, record.parent) : []);
    });
  }

  async commit(name: string, key: string, labels: Record<string, string> = {}): Promise<void> {
    if (!name) throw invalid('commit: snapshot name must not be empty');
    validateLabels(labels);
    const id = await this.meta.read((tx) => {
      const record = DirectorySnapshotter.require(tx, key);
      if (record.kind !== 'active') throw precondition(`snapshot ${JSON.stringify(key)} is a ${record.kind} snapshot: only active snapshots can be committed`);
      if (tx.get(name)) throw exists(`snapshot ${JSON.stringify(name)} already exists`);
      return record.id;
    });
    const usage = await diskUsage(this.fsDir(id)).catch((err) => {
      throw systemError(`measuring snapshot ${JSON.stringify(key)}`, err);
    });
    await this.meta.update((tx) => {
      const record = DirectorySnapshotter.require(tx, key);
      if (record.kind !== 'active' || record.id !== id) throw precondition(`snapshot ${JSON.stringify(key)} changed while committing`);
      if (tx.get(name)) throw exists(`snapshot ${JSON.stringify(name)} already exists`);
      const now = new Date().toISOString();
      tx.delete(key);
      tx.put(name, { id, kind: 'committed', parent: record.parent, labels: { ...labels }, created: now, updated: now, usage });
    });
    await this.committed(id);
  }

  async remove(key: string): Promise<void> {
    const id = await this.meta.update((tx) => {
      const record = DirectorySnapshotter.require(tx, key);
      const child = tx.entries().find(([, r]) => r.parent === key);
      if (child) throw precondition(`cannot remove snapshot ${JSON.stringify(key)}: snapshot ${JSON.stringify(child[0])} is based on it`);
      tx.delete(key);
      return record.id;
    });
    await this.removeDirectory(path.join(this.snapshotsDir, id)).catch(() => {
      /* left for cleanup(): the record is gone, the directory is debris */
    });
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return this.meta.read((tx) => toInfo(key, DirectorySnapshotter.require(tx, key)));
  }

  async update(info: Pick<SnapshotInfo, 'name' | 'labels'>, fieldPaths: string[] = []): Promise<SnapshotInfo> {
    const labels = info.labels ?? {};
    return this.meta.update((tx) => {
      const record = DirectorySnapshotter.require(tx, info.name);
      let next: Record<string, string>;
      if (fieldPaths.length === 0) {
        next = { ...labels };
      } else {
        next = { ...record.labels };
        for (const field of fieldPaths) {
          if (field === 'labels') {
            next = { ...labels };
          } else if (field.startsWith('labels.')) {
            const label = field.slice('labels.'.length);
            if (labels[label] !== undefined) next[label] = labels[label];
            else delete next[label];
          } else {
            throw invalid(`cannot update field ${JSON.stringify(field)} of snapshot ${JSON.stringify(info.name)}: only labels can change`);
          }
        }
      }
      validateLabels(next);
      const updated = { ...record, labels: next, updated: new Date().toISOString() };
      tx.put(info.name, updated);
      return toInfo(info.name, updated);
    });
  }

  async list(filters?: string[]): Promise<SnapshotInfo[]> {
    const keep = snapshotFilter(filters);
    return this.meta.read((tx) => tx.entries().map(([key, record]) => toInfo(key, record)).filter(keep));
  }

  async usage(key: string): Promise<SnapshotUsage> {
    const record = await this.meta.read((tx) => DirectorySnapshotter.require(tx, key));
    if (record.kind === 'committed' && record.usage) return record.usage;
    try {
      return await diskUsage(this.fsDir(record.id));
    } catch (err) {
      throw systemError(`measuring snapshot ${JSON.stringify(key)}`, err);
    }
  }

  async cleanup(): Promise<void> {
    const known = await this.meta.read((tx) => new Set(tx.entries().map(([, r]) => r.id)));
    for (const name of await fs.promises.readdir(this.snapshotsDir)) {
      if (known.has(name) || this.inFlight.has(name)) continue;
      await this.removeDirectory(path.join(this.snapshotsDir, name));
    }
  }
}

function toInfo(key: string, record: SnapshotRecord): SnapshotInfo {
  return {
    name: key,
    parent: record.parent,
    kind: record.kind,
    created: new Date(record.created),
    updated: new Date(record.updated),
    labels: { ...record.labels },
  };
}
