// pause / resume: the container's cgroup frozen (v1 freezer, v2 cgroup.freeze) or thawed.
import { recordCgroup } from './cgroup';
import { RuntsError } from '../foundation/errors';
import { StateStore } from './state-store';
import { statusOf } from './status';

export async function pauseContainer(store: StateStore, id: string): Promise<void> {
  await store.locked(id, () => {
    const rec = store.read(id);
    const status = statusOf(store, rec);
    if (status !== 'running') throw new RuntsError(status === 'paused' ? 'container already paused' : 'container not running', 'state');
    recordCgroup(rec).freeze();
  });
}

export async function resumeContainer(store: StateStore, id: string): Promise<void> {
  await store.locked(id, () => {
    const rec = store.read(id);
    if (statusOf(store, rec) !== 'paused') throw new RuntsError('container not paused', 'state');
    recordCgroup(rec).thaw();
  });
}
