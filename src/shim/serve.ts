// The long-lived shim: a child subreaper (container processes end up as its children, so their
// exit statuses are ours to collect) serving the task API on its socket until Shutdown.
import * as fs from 'fs';
import * as path from 'path';
import * as native from '../native';
import { systemError } from '../foundation/errors';
import { EventPublisher, NoEventPublisher, TtrpcEventForwarder } from './events';
import { ShimFlags } from './flags';
import { debug, log, setLogSink } from './log';
import { shimIdleMemoryRelease } from './idle-memory';
import { OrphanReaper } from './orphan-reaper';
import { startupNote } from './startup-note';
import { runtimeForCreate } from './runtime-select';
import { TaskService } from './task-service';
import { TtrpcServer } from '../foundation/ttrpc/server';

/** Makes this process the shim of flags.id's group, listening on `socket` when it resolves. */
export async function serveShim(flags: ShimFlags, socket: string): Promise<void> {
  setLogSink(openLogFifo(path.join(process.cwd(), 'log')), flags.debug);
  debug(`shim ${process.pid} on node ${process.version}, ${startupNote()}`);
  native.setChildSubreaper();
  const ttrpcAddress = process.env.TTRPC_ADDRESS;
  const events: EventPublisher = ttrpcAddress ? new TtrpcEventForwarder(ttrpcAddress, flags.namespace) : new NoEventPublisher();
  const server = new TtrpcServer();
  const idleMemory = shimIdleMemoryRelease();
  const tasks = new TaskService({
    namespace: flags.namespace,
    runtimeFor: (options, bundle) => runtimeForCreate(flags.namespace, bundle, options),
    events,
    onRequest: () => idleMemory.busy(),
    onShutdown: () => {
      // let the Shutdown response reach containerd first
      setImmediate(async () => {
        await server.close();
        await events.flush();
        process.exit(0);
      });
    },
  });
  tasks.register(server);
  new OrphanReaper(tasks).start();
  try {
    await server.listen(socket);
  } catch (err) {
    throw systemError(`listen on shim socket ${socket}`, err);
  }
  log(`shim ${process.pid} serving ${flags.namespace}/${flags.id} on ${socket}`);
}

/** containerd's per-bundle log fifo; non-blocking so a stalled reader can never stall the shim. */
function openLogFifo(file: string): number | undefined {
  try {
    return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}
