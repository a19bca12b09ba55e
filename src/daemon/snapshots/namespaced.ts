// containerd keeps snapshots per namespace: the same key may exist in two namespaces, and a
// parent must be in the caller's namespace. Backend keys are "<namespace>/<key>" (namespace names
// cannot contain "/"), so one snapshotter directory serves every namespace.

import { invalid } from '../../foundation/errors';
import { snapshotFilter } from '../../snapshots/filter';
import { Mount, SnapshotInfo, SnapshotUsage, Snapshotter } from '../../snapshots/types';

export class NamespacedSnapshotter {
  private readonly prefix: string;

  constructor(private readonly backend: Snapshotter, readonly namespace: string) {
    if (!namespace) throw invalid('namespace is required (set the containerd-namespace metadata)');
    if (namespace.includes('/')) throw invalid(`invalid namespace ${JSON.stringify(namespace)}: must not contain "/"`);
    this.prefix = `${namespace}/`;
  }

  private key(key: string): string {
    return key ? this.prefix + key : '';
  }

  private strip(info: SnapshotInfo): SnapshotInfo {
    return {
      ...info,
      name: info.name.slice(this.prefix.length),
      parent: info.parent.startsWith(this.prefix) ? info.parent.slice(this.prefix.length) : info.parent,
    };
  }

  /** Error messages name the caller's keys, not the backend's. */
  private async plain<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      if (err instanceof Error) err.message = err.message.split(`"${this.prefix}`).join('"');
      throw err;
    }
  }

  prepare(key: string, parent: string, labels?: Record<string, string>): Promise<Mount[]> {
    return this.plain(this.backend.prepare(this.key(key), this.key(parent), labels));
  }

  view(key: string, parent: string, labels?: Record<string, string>): Promise<Mount[]> {
    return this.plain(this.backend.view(this.key(key), this.key(parent), labels));
  }

  mounts(key: string): Promise<Mount[]> {
    return this.plain(this.backend.mounts(this.key(key)));
  }

  commit(name: string, key: string, labels?: Record<string, string>): Promise<void> {
    return this.plain(this.backend.commit(this.key(name), this.key(key), labels));
  }

  remove(key: string): Promise<void> {
    return this.plain(this.backend.remove(this.key(key)));
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return this.strip(await this.plain(this.backend.stat(this.key(key))));
  }

  async update(info: Pick<SnapshotInfo, 'name' | 'labels'>, fieldPaths?: string[]): Promise<SnapshotInfo> {
    return this.strip(await this.plain(this.backend.update({ ...info, name: this.key(info.name) }, fieldPaths)));
  }

  async list(filters?: string[]): Promise<SnapshotInfo[]> {
    const keep = snapshotFilter(filters);
    const mine = (await this.backend.list()).filter((info) => info.name.startsWith(this.prefix));
    return mine.map((info) => this.strip(info)).filter(keep);
  }

  usage(key: string): Promise<SnapshotUsage> {
    return this.plain(this.backend.usage(this.key(key)));
  }

  cleanup(): Promise<void> {
    return this.backend.cleanup();
  }
}
