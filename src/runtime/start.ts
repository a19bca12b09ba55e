// start: release the init waiting on the exec fifo, then run the poststart hooks.
import * as fs from 'fs';
import { RuntsError, systemError } from '../foundation/errors';
import { runHooks } from './hooks';
import { StateStore } from './state-store';
import { ociState, statusOf } from './status';

export async function startContainer(store: StateStore, id: string): Promise<void> {
  await store.locked(id, async () => {
    const rec = store.read(id);
    const status = statusOf(store, rec);
    if (status === 'stopped') throw new RuntsError('cannot start a container that has stopped', 'state');
    if (status !== 'created') throw new RuntsError('cannot start an already running container', 'state');
    const fifo = store.fifoPath(id);
    // The init holds the fifo open for reading; with no reader left it has died (ENXIO).
    let fd: number;
    try {
      fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new RuntsError('cannot start a container that has stopped: its init exited', 'state');
      throw systemError(`open exec fifo of ${id}`, err);
    }
    try {
      fs.writeSync(fd, '0');
    } finally {
      fs.closeSync(fd);
    }
    fs.rmSync(fifo, { force: true });
    await runHooks('poststart', rec.config.hooks?.poststart, () => ociState(store, rec));
  });
}
