// containerd's snapshot model (snapshots.Snapshotter): committed snapshots are immutable layers,
// active snapshots are writable on top of a committed parent, views are read-only.

import type { Mount } from '../mount';

export type { Mount };

export type SnapshotKind = 'active' | 'view' | 'committed';

export interface SnapshotInfo {
  name: string;
  /** key of the committed parent, '' for none */
  parent: string;
  kind: SnapshotKind;
  created: Date;
  updated: Date;
  labels: Record<string, string>;
}

export interface SnapshotUsage {
  /** bytes on disk (st_blocks * 512, hard links counted once) */
  size: number;
  inodes: number;
}

export interface Snapshotter {
  readonly name: string;
  prepare(key: string, parent: string, labels?: Record<string, string>): Promise<Mount[]>;
  view(key: string, parent: string, labels?: Record<string, string>): Promise<Mount[]>;
  mounts(key: string): Promise<Mount[]>;
  commit(name: string, key: string, labels?: Record<string, string>): Promise<void>;
  remove(key: string): Promise<void>;
  stat(key: string): Promise<SnapshotInfo>;
  /** Only labels can change: `fieldPaths` "labels" or "labels.<key>"; none = replace all labels. */
  update(info: Pick<SnapshotInfo, 'name' | 'labels'>, fieldPaths?: string[]): Promise<SnapshotInfo>;
  /** Every snapshot matching any of the filters (all when none). */
  list(filters?: string[]): Promise<SnapshotInfo[]>;
  usage(key: string): Promise<SnapshotUsage>;
  /** Removes directories no snapshot refers to (debris of crashes and removals). */
  cleanup(): Promise<void>;
}
