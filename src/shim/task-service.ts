// containerd.task.v2.Task: every method registered; the work is delegated to a TaskRuntime, the
// shim itself owning stdio, rootfs mounts, exit statuses and events.
import { RuntsError, notFound } from '../foundation/errors';
import * as native from '../native';
import { recordDeleted } from './delete-response';
import { EventPublisher } from './events';
import { debug, log } from './log';
import { Any, Mount, ProcessStatus, TASK_SERVICE, emptyCodec, processDetailsCodec, taskType, timestampOf } from '../foundation/protos/shim';
import { mountRootfs, unmountRootfs } from './rootfs';
import { ProcessStdio } from './stdio';
import { SupervisedProcess } from './task-state';
import { TaskRuntime } from './task-runtime';
import { SHIM_VERSION } from './version';
import { OomCounter } from './metrics/oom-counter';
import { ReaperOwner } from './orphan-reaper';
import { Handler, TtrpcServer } from '../foundation/ttrpc/server';
import { Code, TtrpcError } from '../foundation/ttrpc/status';

interface Container {
  id: string;
  bundle: string;
  runtime: TaskRuntime;
  rootfsMounted: boolean;
  init: SupervisedProcess;
  execs: Map<string, SupervisedProcess>;
  /** exec requests not started yet: the OCI process spec to run */
  execSpecs: Map<string, Record<string, unknown>>;
  oom: OomCounter | undefined;
  /** ends the OOM watch (at the init's exit) */
  stopOomWatch: (() => void) | undefined;
}

/** How long Delete waits for a terminal's last output to reach containerd. */
const CONSOLE_DRAIN_MS = 2000;

type Message = Record<string, any>;

export interface TaskServiceOptions {
  /** containerd's namespace this shim serves (for logging binaries) */
  namespace: string;
  /** picks the runtime for a container from CreateTaskRequest.options */
  runtimeFor(options: Any | null, bundle: string): TaskRuntime;
  events: EventPublisher;
  /** observes a process exit; the default is a pidfd on the (subreaper) shim's child */
  waitForExit?(pid: number): Promise<number>;
  /** called when Shutdown decides the shim should exit */
  onShutdown(): void;
  /** called as each request arrives and as it is answered */
  onRequest?(): void;
}

export class TaskService implements ReaperOwner {
  private readonly containers = new Map<string, Container>();
  /** creates and execs in flight: their pids are not known (claimed) yet */
  private launches = 0;

  constructor(private readonly options: TaskServiceOptions) {}

  get containerCount(): number {
    return this.containers.size;
  }

  claims(pid: number): boolean {
    for (const c of this.containers.values()) {
      for (const p of [c.init, ...c.execs.values()]) if (p.pid === pid && !p.exit) return true;
    }
    return false;
  }

  launching(): boolean {
    return this.launches > 0;
  }

  register(server: TtrpcServer): void {
    const methods: Record<string, [string, string, (req: Message) => Promise<Message>]> = {
      State: ['StateRequest', 'StateResponse', (r) => this.state(r)],
      Create: ['CreateTaskRequest', 'CreateTaskResponse', (r) => this.create(r)],
      Start: ['StartRequest', 'StartResponse', (r) => this.start(r)],
      Delete: ['DeleteRequest', 'DeleteResponse', (r) => this.delete(r)],
      Pids: ['PidsRequest', 'PidsResponse', (r) => this.pids(r)],
      Pause: ['PauseRequest', '', (r) => this.pause(r)],
      Resume: ['ResumeRequest', '', (r) => this.resume(r)],
      Checkpoint: ['CheckpointTaskRequest', '', (r) => this.checkpoint(r)],
      Kill: ['KillRequest', '', (r) => this.kill(r)],
      Exec: ['ExecProcessRequest', '', (r) => this.exec(r)],
      ResizePty: ['ResizePtyRequest', '', (r) => this.resizePty(r)],
      CloseIO: ['CloseIORequest', '', (r) => this.closeIO(r)],
      Update: ['UpdateTaskRequest', '', (r) => this.update(r)],
      Wait: ['WaitRequest', 'WaitResponse', (r) => this.wait(r)],
      Stats: ['StatsRequest', 'StatsResponse', (r) => this.stats(r)],
      Connect: ['ConnectRequest', 'ConnectResponse', (r) => this.connect(r)],
      Shutdown: ['ShutdownRequest', '', (r) => this.shutdown(r)],
    };
    const handlers: Record<string, Handler> = {};
    for (const [name, [requestName, responseName, fn]] of Object.entries(methods)) {
      const requestCodec = taskType(requestName);
      const responseCodec = responseName ? taskType(responseName) : emptyCodec;
      handlers[name] = async (payload) => {
        this.options.onRequest?.();
        const request = requestCodec.decode(payload);
        debug(`${name} ${request.id ?? ''}${request.execId ? ` exec ${request.execId}` : ''}`);
        try {
          return responseCodec.encode(await fn(request));
        } finally {
          this.options.onRequest?.();
        }
      };
    }
    server.register(TASK_SERVICE, handlers);
  }

  async create(r: Message): Promise<Message> {
    if (this.containers.has(r.id)) throw new RuntsError(`create container ${r.id}: it already exists`, 'exists');
    if (r.checkpoint) throw new TtrpcError(Code.UNIMPLEMENTED, `create container ${r.id}: restoring a checkpoint needs CRIU, not supported`);
    const runtime = this.options.runtimeFor(r.options, r.bundle);
    const rootfs = r.rootfs as Mount[];
    const init = new SupervisedProcess(r.id, '', { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr }, r.terminal);
    let mounted = false;
    try {
      if (rootfs.length) {
        await mountRootfs(r.bundle, rootfs);
        mounted = true;
      }
      init.stdio = await ProcessStdio.open(init.paths, { containerId: r.id, namespace: this.options.namespace }, r.terminal);
      this.launches++;
      const launched = await runtime.create({ id: r.id, bundle: r.bundle, io: init.stdio.io, terminal: r.terminal }).finally(() => this.launches--);
      init.pid = launched.pid;
      init.stdio.releaseChildEnds();
      if (launched.console !== undefined) init.stdio.attachConsole(launched.console);
    } catch (err) {
      init.stdio?.close();
      if (mounted) await unmountRootfs(r.bundle).catch(() => {});
      throw err;
    }
    const container: Container = {
      id: r.id,
      bundle: r.bundle,
      runtime,
      rootfsMounted: mounted,
      init,
      execs: new Map(),
      execSpecs: new Map(),
      oom: OomCounter.forPid(init.pid),
      stopOomWatch: undefined,
    };
    container.stopOomWatch = container.oom?.watch(() => this.publishOom(container));
    this.containers.set(r.id, container);
    this.watch(init);
    this.options.events.publish('/tasks/create', 'TaskCreate', {
      containerId: r.id,
      bundle: r.bundle,
      rootfs,
      io: { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, terminal: r.terminal },
      checkpoint: r.checkpoint,
      pid: init.pid,
    });
    return { pid: init.pid };
  }

  async start(r: Message): Promise<Message> {
    const container = this.container(r.id);
    if (!r.execId) {
      const init = container.init;
      init.requireStatus('start', ProcessStatus.CREATED);
      init.beginStart();
      try {
        await container.runtime.start(r.id, container.bundle);
        init.markStarted(init.pid);
        this.options.events.publish('/tasks/start', 'TaskStart', { containerId: r.id, pid: init.pid });
      } finally {
        init.endStart();
      }
      return { pid: init.pid };
    }
    const exec = this.process(container, r.execId);
    exec.requireStatus('start', ProcessStatus.CREATED);
    const spec = container.execSpecs.get(r.execId) ?? {};
    try {
      exec.stdio = await ProcessStdio.open(exec.paths, { containerId: r.id, namespace: this.options.namespace }, exec.terminal);
      this.launches++;
      const launched = await container.runtime
        .exec({ id: r.id, execId: r.execId, bundle: container.bundle, process: spec, io: exec.stdio.io, terminal: exec.terminal })
        .finally(() => this.launches--);
      exec.stdio.releaseChildEnds();
      if (launched.console !== undefined) exec.stdio.attachConsole(launched.console);
      exec.markStarted(launched.pid);
    } catch (err) {
      exec.stdio?.close();
      throw err;
    }
    container.execSpecs.delete(r.execId);
    this.watch(exec);
    this.options.events.publish('/tasks/exec-started', 'TaskExecStarted', { containerId: r.id, execId: r.execId, pid: exec.pid });
    return { pid: exec.pid };
  }

  async delete(r: Message): Promise<Message> {
    const container = this.container(r.id);
    if (r.execId) {
      const exec = this.process(container, r.execId);
      if (exec.status !== ProcessStatus.CREATED) exec.requireStatus('delete', ProcessStatus.STOPPED);
      await exec.stdio?.drained(CONSOLE_DRAIN_MS);
      exec.stdio?.close();
      container.execs.delete(r.execId);
      container.execSpecs.delete(r.execId);
      return { pid: exec.pid, exitStatus: exec.exit?.status ?? 0, exitedAt: timestampOf(exec.exit?.at) };
    }
    const init = container.init;
    init.requireStatus('delete', ProcessStatus.CREATED, ProcessStatus.STOPPED);
    // --force: a created-only init is still alive, blocked before exec
    await container.runtime.delete(r.id, container.bundle, init.status === ProcessStatus.CREATED);
    if (init.status === ProcessStatus.CREATED) init.markExited(137);
    await init.stdio?.drained(CONSOLE_DRAIN_MS);
    init.stdio?.close();
    for (const exec of container.execs.values()) exec.stdio?.close();
    if (container.rootfsMounted) await unmountRootfs(container.bundle);
    this.containers.delete(r.id);
    container.stopOomWatch?.();
    const exit = init.exit!;
    try {
      recordDeleted(container.bundle, init.pid, exit.status, exit.at);
    } catch (err) {
      // `delete` then cleans up the long way, finding nothing left
      log(`record the deletion of ${r.id}: ${(err as Error).message}`);
    }
    this.options.events.publish('/tasks/delete', 'TaskDelete', {
      containerId: r.id,
      pid: init.pid,
      exitStatus: exit.status,
      exitedAt: timestampOf(exit.at),
      id: r.id,
    });
    return { pid: init.pid, exitStatus: exit.status, exitedAt: timestampOf(exit.at) };
  }

  async state(r: Message): Promise<Message> {
    const container = this.container(r.id);
    const p = r.execId ? this.process(container, r.execId) : container.init;
    return {
      id: p.id,
      bundle: container.bundle,
      pid: p.pid,
      status: p.status,
      stdin: p.paths.stdin,
      stdout: p.paths.stdout,
      stderr: p.paths.stderr,
      terminal: p.terminal,
      exitStatus: p.exit?.status ?? 0,
      exitedAt: timestampOf(p.exit?.at),
      execId: p.execId,
    };
  }

  async pids(r: Message): Promise<Message> {
    const container = this.container(r.id);
    const pids = await container.runtime.pids(r.id, container.bundle);
    const execByPid = new Map([...container.execs.values()].map((e) => [e.pid, e.execId]));
    return {
      processes: pids.map((pid) => {
        const execId = execByPid.get(pid);
        return execId
          ? { pid, info: { type_url: 'containerd.runc.v1.ProcessDetails', value: processDetailsCodec.encode({ execId }) } }
          : { pid };
      }),
    };
  }

  async pause(r: Message): Promise<Message> {
    const container = this.container(r.id);
    container.init.requireStatus('pause', ProcessStatus.RUNNING);
    await container.runtime.pause(r.id, container.bundle);
    container.init.markPaused();
    this.options.events.publish('/tasks/paused', 'TaskPaused', { containerId: r.id });
    return {};
  }

  async resume(r: Message): Promise<Message> {
    const container = this.container(r.id);
    container.init.requireStatus('resume', ProcessStatus.PAUSED);
    await container.runtime.resume(r.id, container.bundle);
    container.init.markResumed();
    this.options.events.publish('/tasks/resumed', 'TaskResumed', { containerId: r.id });
    return {};
  }

  async checkpoint(r: Message): Promise<Message> {
    throw new TtrpcError(Code.UNIMPLEMENTED, `checkpoint container ${r.id}: needs CRIU, which runts does not support`);
  }

  async kill(r: Message): Promise<Message> {
    const container = this.container(r.id);
    if (r.execId) {
      const exec = this.process(container, r.execId);
      if (exec.status === ProcessStatus.STOPPED) throw notFound(`kill ${exec.label}: process already finished`);
      exec.requireStatus('kill', ProcessStatus.RUNNING, ProcessStatus.PAUSED);
      process.kill(exec.pid, r.signal);
      return {};
    }
    if (container.init.status === ProcessStatus.STOPPED && !r.all) {
      throw notFound(`kill container ${r.id}: process already finished`);
    }
    await container.runtime.kill(r.id, container.bundle, r.signal, r.all);
    return {};
  }

  async exec(r: Message): Promise<Message> {
    const container = this.container(r.id);
    if (container.execs.has(r.execId)) throw new RuntsError(`exec ${r.execId} in container ${r.id}: id already in use`, 'exists');
    container.init.requireStatus('exec in', ProcessStatus.RUNNING);
    let spec: Record<string, unknown>;
    try {
      spec = JSON.parse((r.spec?.value as Buffer | undefined)?.toString() ?? '') as Record<string, unknown>;
    } catch {
      throw new RuntsError(`exec ${r.execId} in container ${r.id}: the process spec is not valid JSON`, 'invalid');
    }
    container.execs.set(r.execId, new SupervisedProcess(r.id, r.execId, { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr }, r.terminal));
    container.execSpecs.set(r.execId, spec);
    this.options.events.publish('/tasks/exec-added', 'TaskExecAdded', { containerId: r.id, execId: r.execId });
    return {};
  }

  async resizePty(r: Message): Promise<Message> {
    const container = this.container(r.id);
    const p = r.execId ? this.process(container, r.execId) : container.init;
    if (!p.terminal || !p.stdio) throw new RuntsError(`resize pty of ${p.label}: it has no terminal`, 'state');
    try {
      p.stdio.resize(r.width, r.height);
    } catch (err) {
      throw new RuntsError(`resize pty of ${p.label} to ${r.width}x${r.height}: ${(err as Error).message}`, 'system');
    }
    return {};
  }

  async closeIO(r: Message): Promise<Message> {
    const container = this.container(r.id);
    const p = r.execId ? this.process(container, r.execId) : container.init;
    if (r.stdin) p.stdio?.closeStdin();
    return {};
  }

  async update(r: Message): Promise<Message> {
    const container = this.container(r.id);
    let resources: Record<string, unknown>;
    try {
      resources = JSON.parse((r.resources?.value as Buffer | undefined)?.toString() ?? '') as Record<string, unknown>;
    } catch {
      throw new RuntsError(`update container ${r.id}: the resources are not valid JSON`, 'invalid');
    }
    await container.runtime.update(r.id, container.bundle, resources);
    return {};
  }

  async wait(r: Message): Promise<Message> {
    const container = this.container(r.id);
    const p = r.execId ? this.process(container, r.execId) : container.init;
    const exit = await p.waitExit();
    return { exitStatus: exit.status, exitedAt: timestampOf(exit.at) };
  }

  async stats(r: Message): Promise<Message> {
    const container = this.container(r.id);
    if (container.init.exit) throw new RuntsError(`stats of container ${r.id}: it is stopped`, 'state');
    // loaded on first use: the metrics protos are not on any container's start-up path
    const { taskMetrics } = await import('./metrics/task-metrics');
    return { stats: taskMetrics(container.init.pid) };
  }

  async connect(r: Message): Promise<Message> {
    const container = this.containers.get(r.id);
    return { shimPid: process.pid, taskPid: container?.init.pid ?? 0, version: SHIM_VERSION };
  }

  async shutdown(r: Message): Promise<Message> {
    // a grouped shim keeps serving its other containers
    if (this.containers.size === 0 || r.now) this.options.onShutdown();
    return {};
  }

  private container(id: string): Container {
    const container = this.containers.get(id);
    if (!container) throw notFound(`container ${id}: not found in this shim`);
    return container;
  }

  private process(container: Container, execId: string): SupervisedProcess {
    const p = container.execs.get(execId);
    if (!p) throw notFound(`exec ${execId} of container ${container.id}: not found`);
    return p;
  }

  /** Records the process's exit whenever it comes and tells containerd. */
  private watch(p: SupervisedProcess): void {
    const wait = this.options.waitForExit ?? waitForChildExit;
    wait(p.pid).then(
      (status) => this.recordExit(p, status),
      (err) => {
        log(`watch ${p.label} (pid ${p.pid}): ${(err as Error).message}`);
        this.recordExit(p, 255);
      },
    );
  }

  private recordExit(p: SupervisedProcess, status: number): void {
    if (p.exit) return;
    const starting = p.whenStarted();
    if (starting) {
      void starting.then(() => this.recordExit(p, status));
      return;
    }
    // an OOM kill is reported before the exit it caused
    const container = this.containers.get(p.containerId);
    if (container && !p.execId) {
      if (container.oom?.changed()) this.publishOom(container);
      container.stopOomWatch?.();
      container.stopOomWatch = undefined;
    }
    p.markExited(status);
    p.stdio?.closeStdin();
    this.options.events.publish('/tasks/exit', 'TaskExit', {
      containerId: p.containerId,
      id: p.id,
      pid: p.pid,
      exitStatus: status,
      exitedAt: timestampOf(p.exit!.at),
    });
  }

  private publishOom(container: Container): void {
    this.options.events.publish('/tasks/oom', 'TaskOOM', { containerId: container.id });
  }
}

/** Exit status of a child (the shim is a subreaper, so container processes are its children). */
async function waitForChildExit(pid: number): Promise<number> {
  const status = await native.exited(pid);
  if (!status) throw new Error('no exit status');
  if (status.code !== null) return status.code;
  if (status.signal !== null) return 128 + status.signal;
  throw new Error('not a child of the shim: its exit status is unknown');
}
