// The overlayfs snapshotter: each snapshot is <root>/snapshots/<id>/{fs,work}; committed
// snapshots are the lower layers of the ones above them. Mounts follow containerd's overlay
// snapshotter: no parent -> bind mount of fs; a view of one layer -> read-only bind of that layer;
// a view of several -> overlay with lowerdirs only (read-only by construction); an active snapshot
// -> overlay with upperdir/workdir. Chains too long for one mount-data page are handled by
// mountAll (src/mount), which mounts with relative paths from a common directory.

import * as fs from 'fs';
import * as path from 'path';
import { DirectorySnapshotter } from './directory-snapshotter';
import { JsonFileMetaStore, SnapshotMetaStore } from './meta-store';
import { Mount, SnapshotKind } from './types';

export class OverlaySnapshotter extends DirectorySnapshotter {
  readonly name = 'overlayfs';

  constructor(root: string, meta: SnapshotMetaStore = new JsonFileMetaStore(path.join(root, 'metadata.json'))) {
    super(root, meta);
  }

  protected async populate(dir: string, kind: SnapshotKind): Promise<void> {
    await fs.promises.mkdir(path.join(dir, 'fs'), { mode: 0o755 });
    if (kind === 'active') await fs.promises.mkdir(path.join(dir, 'work'), { mode: 0o711 });
  }

  protected mountsFor(id: string, kind: SnapshotKind, parentIds: string[]): Mount[] {
    const readOnly = kind === 'view';
    if (parentIds.length === 0) {
      return [{ type: 'bind', source: this.fsDir(id), options: [readOnly ? 'ro' : 'rw', 'rbind'] }];
    }
    if (readOnly && parentIds.length === 1) {
      return [{ type: 'bind', source: this.fsDir(parentIds[0]), options: ['ro', 'rbind'] }];
    }
    const lowerdir = `lowerdir=${parentIds.map((p) => this.fsDir(p)).join(':')}`;
    if (readOnly) return [{ type: 'overlay', source: 'overlay', options: [lowerdir] }];
    return [{
      type: 'overlay',
      source: 'overlay',
      options: [`workdir=${path.join(this.snapshotsDir, id, 'work')}`, `upperdir=${this.fsDir(id)}`, lowerdir],
    }];
  }
}
