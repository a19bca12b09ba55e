// The btrfs snapshotter: each snapshot's fs/ is a btrfs subvolume. An active snapshot or view is
// a snapshot of its parent's subvolume (constant time, shared extents), a committed one is set
// read-only. Mounts are bind mounts of the subvolume directory (containerd returns a btrfs mount
// of the device with subvolid=; both give the same tree). Needs the root on btrfs and the `btrfs`
// program (btrfs-progs).

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';
import { DirectorySnapshotter } from './directory-snapshotter';
import { JsonFileMetaStore, SnapshotMetaStore } from './meta-store';
import { Mount, SnapshotKind } from './types';

const BTRFS_SUPER_MAGIC = 0x9123683e;
/** The root directory of every btrfs subvolume has this inode number. */
const SUBVOLUME_ROOT_INODE = 256;

function btrfs(args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('btrfs', args, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new RuntsError(`${what}: the btrfs program is not installed (apt-get install btrfs-progs)`, 'unsupported'));
      }
      reject(new RuntsError(`${what}: ${String(stderr).trim().split('\n').pop() || error.message}`, 'system'));
    });
  });
}

export class BtrfsSnapshotter extends DirectorySnapshotter {
  readonly name = 'btrfs';

  constructor(root: string, meta: SnapshotMetaStore = new JsonFileMetaStore(path.join(root, 'metadata.json'))) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    if (fs.statfsSync(root).type !== BTRFS_SUPER_MAGIC) {
      throw new RuntsError(`btrfs snapshotter: ${root} is not on a btrfs filesystem`, 'unsupported');
    }
    super(root, meta);
  }

  protected async populate(dir: string, _kind: SnapshotKind, parentIds: string[]): Promise<void> {
    const target = path.join(dir, 'fs');
    if (parentIds.length === 0) await btrfs(['subvolume', 'create', target], `creating subvolume ${target}`);
    else await btrfs(['subvolume', 'snapshot', this.fsDir(parentIds[0]), target], `snapshotting ${this.fsDir(parentIds[0])}`);
  }

  protected mountsFor(id: string, kind: SnapshotKind): Mount[] {
    return [{ type: 'bind', source: this.fsDir(id), options: [kind === 'view' ? 'ro' : 'rw', 'rbind'] }];
  }

  protected override async committed(id: string): Promise<void> {
    await btrfs(['property', 'set', '-ts', this.fsDir(id), 'ro', 'true'], `making snapshot ${id} read-only`);
  }

  protected override async removeDirectory(dir: string): Promise<void> {
    const subvolume = path.join(dir, 'fs');
    const stat = await fs.promises.lstat(subvolume).catch(() => undefined);
    if (stat && stat.isDirectory() && stat.ino === SUBVOLUME_ROOT_INODE) {
      await btrfs(['subvolume', 'delete', subvolume], `deleting subvolume ${subvolume}`);
    }
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
