// TaskRuntime over runts's own runtime library, called in-process: no runtime binary is
// exec'd per operation, and the container init (cloned with CLONE_PARENT by runts-init) is a
// direct child of the shim, which observes its exit through a pidfd.
import * as fs from 'fs';
import * as path from 'path';
import { createContainer } from '../runtime/create';
import { deleteContainer } from '../runtime/delete';
import { startExec } from '../runtime/exec';
import { killContainer } from '../runtime/kill';
import { pauseContainer, resumeContainer } from '../runtime/pause';
import { containerPids } from '../runtime/ps';
import { startContainer } from '../runtime/start';
import { StateStore } from '../runtime/state-store';
import { consoleReceiver } from '../runtime/terminal';
import { updateContainer } from '../runtime/update';
import { validateProcess, validateResources } from '../runtime/validate';
import { RuntsError } from '../foundation/errors';
import { CreateRequest, ExecRequest, Launched, ProcessIO, TaskRuntime } from './task-runtime';

export class InProcessRuntime implements TaskRuntime {
  private readonly store: StateStore;

  /** root: the runtime's state directory for this namespace. */
  constructor(readonly root: string) {
    this.store = new StateStore(root);
  }

  async create(request: CreateRequest): Promise<Launched> {
    return failsAs('OCI runtime create failed', () =>
      withStdio(request.io, async (stdio) => {
        // with a terminal the init sends its pty master over this socket, as to a --console-socket
        const receiver = request.terminal ? consoleReceiver() : undefined;
        try {
          const pidFile = path.join(request.bundle, 'init.pid');
          const rec = await createContainer(this.store, { id: request.id, bundle: request.bundle, stdio, pidFile, consoleFd: receiver?.childEnd });
          return { pid: rec.pid, console: await receiver?.master };
        } finally {
          receiver?.close();
        }
      }));
  }

  start(id: string): Promise<void> {
    return startContainer(this.store, id);
  }

  async exec(request: ExecRequest): Promise<Launched> {
    return failsAs('OCI runtime exec failed', () =>
      withStdio(request.io, async (stdio) => {
        const process = validateProcess({ ...request.process, terminal: request.terminal });
        const started = await startExec(this.store, { id: request.id, process, stdio, detach: true, ownTerminal: request.terminal });
        try {
          return { pid: started.pid, console: await started.master };
        } finally {
          started.close();
        }
      }));
  }

  kill(id: string, _bundle: string, signal: number, all: boolean): Promise<void> {
    return killContainer(this.store, id, signal, all);
  }

  delete(id: string, _bundle: string, force: boolean): Promise<void> {
    return deleteContainer(this.store, id, force);
  }

  pause(id: string): Promise<void> {
    return pauseContainer(this.store, id);
  }

  resume(id: string): Promise<void> {
    return resumeContainer(this.store, id);
  }

  update(id: string, _bundle: string, resources: Record<string, unknown>): Promise<void> {
    return updateContainer(this.store, id, validateResources(resources));
  }

  async pids(id: string): Promise<number[]> {
    return containerPids(this.store, id);
  }
}

/** containerd (and its clients) expect runc shims' "OCI runtime <op> failed: <why>" shape. */
async function failsAs<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RuntsError) throw new RuntsError(`${what}: ${err.message}`, err.kind, err.errno);
    throw err;
  }
}

/** The process's fds 0-2; a missing stream is /dev/null, opened for the call only. */
async function withStdio<T>(io: ProcessIO, fn: (stdio: [number, number, number]) => Promise<T>): Promise<T> {
  const opened: number[] = [];
  const fdOf = (fd: number | null, flags: string) => {
    if (fd !== null) return fd;
    const n = fs.openSync('/dev/null', flags);
    opened.push(n);
    return n;
  };
  try {
    return await fn([fdOf(io.stdin, 'r'), fdOf(io.stdout, 'w'), fdOf(io.stderr, 'w')]);
  } finally {
    opened.forEach((fd) => fs.closeSync(fd));
  }
}
