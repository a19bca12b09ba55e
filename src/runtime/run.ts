// run: create + start in one process; in the foreground it forwards signals, waits for the
// init (its child, cloned with CLONE_PARENT) and deletes the container, exiting with its status.
import * as native from '../native';
import { loadBundle } from './bundle';
import { createContainer, CreateOptions, createPlaced } from './create';
import { deleteContainer } from './delete';
import { RuntsError } from '../foundation/errors';
import { startContainer } from './start';
import { StateStore } from './state-store';
import { consoleReceiver, relayTerminal } from './terminal';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGCONT', 'SIGWINCH'];

export async function runContainer(store: StateStore, opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
  const loaded = loadBundle(opts.bundle);
  const terminal = !!loaded.spec.process?.terminal && !opts.consoleSocket;
  if (terminal && opts.detach) throw new RuntsError('cannot allocate tty if runts will detach without setting console socket', 'invalid');
  if (opts.detach) {
    await createContainer(store, { ...opts, loaded });
    await startContainer(store, opts.id);
    return 0;
  }
  const console = terminal ? consoleReceiver() : undefined;
  let relay: ReturnType<typeof relayTerminal> | undefined;
  try {
    const { record: rec, cgroup } = await createPlaced(store, { ...opts, loaded, consoleFd: console?.childEnd });
    const exit = native.exited(rec.pid);
    if (console) relay = relayTerminal(await console.master);
    const forward = (sig: NodeJS.Signals) => {
      try { process.kill(rec.pid, sig); } catch { /* exited */ }
    };
    FORWARDED.forEach((s) => process.on(s, forward));
    try {
      await startContainer(store, opts.id);
      opts.debug?.(`run ${opts.id}: started, waiting for init ${rec.pid}`);
      const status = await exit;
      opts.debug?.(`run ${opts.id}: init exited (${status?.signal ? `signal ${status.signal}` : `status ${status?.code}`})`);
      if (relay) await Promise.race([relay.done, new Promise((r) => setTimeout(r, 200))]);
      return status?.code ?? 128 + (status?.signal ?? 0);
    } finally {
      FORWARDED.forEach((s) => process.off(s, forward));
      // --keep leaves the stopped container for `state` and `delete`, as runc does.
      if (!opts.keep) await deleteContainer(store, opts.id, true, opts.warn, cgroup);
    }
  } finally {
    console?.close();
  }
}
