// start: release the init waiting on the exec fifo, then run the poststart hooks.
import * as fs from 'fs';
import * as native from '../native';
import { RuntsError, systemError } from './errors';
import { runHooks } from './hooks';
import { StateStore } from './state-store';
import { initAlive, ociState, statusOf } from './status';

/** Waits until the init wrote to the fifo, or died first; no watcher outlives the call. */
async function startRace(alive: () => boolean, fifoFd: number): Promise<'readable' | 'died'> {
  for (;;) {
    try {
      await native.readable(fifoFd, 100);
      return 'readable';
    } catch {
      if (!alive()) return 'died';
    }
  }
}

export async function startContainer(store: StateStore, id: string): Promise<void> {
  await store.locked(id, async () => {
    const rec = store.read(id);
    const status = statusOf(store, rec);
    if (status === 'stopped') throw new RuntsError('cannot start a container that has stopped', 'state');
    if (status !== 'created') throw new RuntsError('cannot start an already running container', 'state');
    const fifo = store.fifoPath(id);
    // Non-blocking open: the init's blocked open for writing completes once a reader exists.
    let fd: number;
    try {
      fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      throw systemError(`open exec fifo of ${id}`, err);
    }
    try {
      const which = await startRace(() => initAlive(rec), fd);
      const buf = Buffer.alloc(1);
      let n = 0;
      try {
        n = fs.readSync(fd, buf, 0, 1, null);
      } catch { /* EAGAIN: nothing written */ }
      if (n !== 1) throw new RuntsError(which === 'died' ? 'container init exited before start' : 'container init did not confirm start', 'system');
    } finally {
      fs.closeSync(fd);
    }
    fs.rmSync(fifo, { force: true });
    await runHooks('poststart', rec.config.hooks?.poststart, ociState(store, rec));
  });
}
