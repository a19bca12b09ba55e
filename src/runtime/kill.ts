// kill: a signal to the init, or with --all to every process in the container's cgroup.
import { RuntsError } from '../foundation/errors';
import { parseSignal } from './signals';
import { StateStore } from './state-store';
import { initAlive } from './status';

export async function killContainer(store: StateStore, id: string, signal?: string | number, all = false): Promise<void> {
  const sig = parseSignal(signal);
  await store.locked(id, () => {
    const rec = store.read(id);
    if (all && rec.cgroupsPath) {
      // loaded only for --all: the cgroup drivers are ~2 ms of every other kill
      const { recordCgroup } = require('./cgroup') as typeof import('./cgroup');
      recordCgroup(rec).killAll(sig);
      return;
    }
    // Only stopped matters here (the full status would open the cgroup to tell paused apart).
    if (!initAlive(rec)) throw new RuntsError('container not running', 'state');
    try {
      process.kill(rec.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new RuntsError('container not running', 'state');
      throw err;
    }
  });
}
