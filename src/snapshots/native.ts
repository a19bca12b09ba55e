// The native snapshotter: every snapshot is a full copy of its parent (cp -a keeps owners,
// modes, times, xattrs, hard links, device nodes and fifos), so it works on any filesystem and
// mounts are plain bind mounts. Slow and large by design: the fallback when overlayfs is missing.

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';
import { DirectorySnapshotter } from './directory-snapshotter';
import { JsonFileMetaStore, SnapshotMetaStore } from './meta-store';
import { Mount, SnapshotKind } from './types';

function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // "from/." copies the contents into the existing directory `to`, including its own metadata.
    execFile('cp', ['-a', '--reflink=auto', `${from}/.`, to], (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(new RuntsError(`copying parent snapshot ${from}: ${String(stderr).trim().split('\n').pop() || error.message}`, 'system'));
    });
  });
}

export class NativeSnapshotter extends DirectorySnapshotter {
  readonly name = 'native';

  constructor(root: string, meta: SnapshotMetaStore = new JsonFileMetaStore(path.join(root, 'metadata.json'))) {
    super(root, meta);
  }

  protected async populate(dir: string, _kind: SnapshotKind, parentIds: string[]): Promise<void> {
    await fs.promises.mkdir(path.join(dir, 'fs'), { mode: 0o755 });
    if (parentIds.length > 0) await copyTree(this.fsDir(parentIds[0]), path.join(dir, 'fs'));
  }

  protected mountsFor(id: string, kind: SnapshotKind): Mount[] {
    return [{ type: 'bind', source: this.fsDir(id), options: [kind === 'view' ? 'ro' : 'rw', 'rbind'] }];
  }
}
