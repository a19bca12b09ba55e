// kill: a signal to the init, or with --all to every process in the container's cgroup.
import { recordCgroup } from './cgroup';
import { RuntsError } from '../foundation/errors';
import { parseSignal } from './signals';
import { StateStore } from './state-store';
import { statusOf } from './status';

export async function killContainer(store: StateStore, id: string, signal?: string | number, all = false): Promise<void> {
  const sig = parseSignal(signal);
  await store.locked(id, () => {
    const rec = store.read(id);
    const status = statusOf(store, rec);
    if (all && rec.cgroupsPath) {
      recordCgroup(rec).killAll(sig);
      return;
    }
    if (status === 'stopped') throw new RuntsError('container not running', 'state');
    try {
      process.kill(rec.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new RuntsError('container not running', 'state');
      throw err;
    }
  });
}
