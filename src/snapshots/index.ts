// The snapshotters a daemon offers under its root, in containerd's directory layout
// (<root>/io.containerd.snapshotter.v1.<name>): overlayfs when the kernel has it, native always,
// btrfs when that directory is on btrfs.

import * as fs from 'fs';
import * as path from 'path';
import { BtrfsSnapshotter } from './btrfs';
import { JsonFileMetaStore, SnapshotMetaStore } from './meta-store';
import { NativeSnapshotter } from './native';
import { OverlaySnapshotter } from './overlay';
import { Snapshotter } from './types';

export type { Mount, SnapshotInfo, SnapshotKind, SnapshotUsage, Snapshotter } from './types';
export type { SnapshotMetaStore } from './meta-store';

export function kernelHasOverlay(procFilesystems = '/proc/filesystems'): boolean {
  try {
    return /\toverlay$/m.test(fs.readFileSync(procFilesystems, 'utf8'));
  } catch {
    return false;
  }
}

export interface OpenSnapshottersOptions {
  /** metadata store per snapshotter; defaults to a JSON file in its directory */
  metaStore?: (name: string, dir: string) => SnapshotMetaStore;
  overlaySupported?: boolean;
}

export function openSnapshotters(root: string, options: OpenSnapshottersOptions = {}): Record<string, Snapshotter> {
  const dirOf = (name: string) => path.join(root, `io.containerd.snapshotter.v1.${name}`);
  const meta = (name: string) => (options.metaStore ?? ((_n, dir) => new JsonFileMetaStore(path.join(dir, 'metadata.json'))))(name, dirOf(name));
  const snapshotters: Record<string, Snapshotter> = {};
  if (options.overlaySupported ?? kernelHasOverlay()) snapshotters.overlayfs = new OverlaySnapshotter(dirOf('overlayfs'), meta('overlayfs'));
  snapshotters.native = new NativeSnapshotter(dirOf('native'), meta('native'));
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  if (fs.statfsSync(root).type === 0x9123683e) snapshotters.btrfs = new BtrfsSnapshotter(dirOf('btrfs'), meta('btrfs'));
  return snapshotters;
}
