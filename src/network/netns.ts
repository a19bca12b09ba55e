// Per-container network namespaces, each pinned by a bind mount on a file in a directory runts
// owns; made and removed by the addon (a thread unshares, Node never forks into it).
import * as fs from 'fs';
import * as path from 'path';
import { createNetns, removeNetns } from '../native';
import { systemError } from '../foundation/errors';

export class NetnsDir {
  constructor(readonly dir: string) {}

  pathOf(name: string): string {
    return path.join(this.dir, name);
  }

  create(name: string): string {
    const pin = this.pathOf(name);
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      createNetns(pin);
    } catch (err) {
      throw systemError(`create network namespace ${pin}`, err);
    }
    return pin;
  }

  /** Idempotent: a pin that is gone is fine. */
  remove(name: string): void {
    try {
      removeNetns(this.pathOf(name));
    } catch (err) {
      throw systemError(`remove network namespace ${this.pathOf(name)}`, err);
    }
  }

  list(): string[] {
    try {
      return fs.readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}
