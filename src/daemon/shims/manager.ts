// runtsd's shim manager, containerd 1.6's runtime v2 in small: one shim per task, started with
// the runtime's binary in a fresh bundle, driven over ttrpc; found again after a restart from the
// bundles' address files; cleaned up with the binary's `delete` when it dies.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { RuntsError, invalid, notFound } from '../../foundation/errors';
import { exited } from '../../native';
import { ContainerRecord } from '../../metadata/store';
import { getContainer } from '../../metadata/containers';
import { eventType } from '../../foundation/protos/shim';
import { TtrpcServer } from '../../foundation/ttrpc/server';
import { socketPathOf } from '../../foundation/ttrpc/socket-path';
import { Deps } from '../deps';
import { toTimestamp } from '../convert';
import { Bundle, bundleOf, createBundle, listBundles, readAddress, readShimBinary, removeBundle, writeBundleSpec } from './bundle';
import { ShimCommandContext, ShimExit, deleteShim, marshalAny, startShim } from './shim-command';
import { TaskClient, isUnavailable } from './task-client';
import { resolveShimBinary } from './runtime-binary';
import { followShimLog } from './shim-log';
import { serveShimEvents } from './events-endpoint';

const PUBLISH_BINARY = path.resolve(__dirname, '..', '..', '..', 'bin', 'runtsd');
const CLEANUP_TIMEOUT_MS = 5000;
const SHUTDOWN_WAIT_MS = 3000;

export interface ShimTask {
  namespace: string;
  id: string;
  /** The shim's address: tasks of one group (a pod's) share it. */
  address: string;
  bundle: Bundle;
  binary: string;
  client: TaskClient;
  /** Settles when the shim process is gone. */
  shimGone: Promise<void>;
  logReader: net.Socket | undefined;
  /** Set once a Delete took the task over: the shim's death is then no longer news. */
  deleting: boolean;
  /** Until the task is created (or given up): its shim's address is held open (ShimManager.joining). */
  joining: boolean;
}

export interface CreateOptions {
  rootfs: { type: string; source: string; target: string; options: string[] }[];
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  /** The request's task options; the container's runtime options when absent. */
  options?: { type_url: string; value: Buffer };
  runtimePath?: string;
}

function accepts(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
}

const keyOf = (namespace: string, id: string) => `${namespace}/${id}`;

export class ShimManager {
  private readonly tasks = new Map<string, ShimTask>();
  private readonly creating = new Set<string>();
  /** Shims started by startEarly(), not yet taken by create(). */
  private readonly early = new Map<string, Promise<ShimTask>>();
  private eventsServer: TtrpcServer | undefined;
  /** Tasks on their way into a shim, by address: that shim is not shut down under them. */
  private readonly joining = new Map<string, number>();
  /** Shims being shut down, by address: a task that `start` sent there waits, then starts anew. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Shims that stay when their last task goes (keepWhenIdle). */
  private readonly keptIdle = new Set<string>();

  constructor(private readonly deps: Deps) {}

  get ttrpcAddress(): string {
    return `${this.deps.config.address}.ttrpc`;
  }

  /** Listens for shim events, then takes back every task a previous daemon left running. */
  async start(): Promise<void> {
    this.eventsServer = await serveShimEvents(this.ttrpcAddress, this.deps.events);
    await Promise.all(listBundles(this.deps.config.root, this.deps.config.state).map((b) => this.recover(b)));
  }

  /** Lets go of the shims (they keep running for the next daemon); one kept warm with no task goes. */
  async stop(): Promise<void> {
    const busy = new Set([...this.tasks.values()].map((t) => t.address));
    for (const task of this.tasks.values()) this.release(task);
    this.tasks.clear();
    await Promise.all([...this.keptIdle].filter((address) => !busy.has(address)).map((address) => this.shutdownIdle(address)));
    await this.eventsServer?.close();
  }

  get(namespace: string, id: string): ShimTask {
    const task = this.tasks.get(keyOf(namespace, id));
    if (!task) throw notFound(`task ${id} not found in namespace ${namespace}`);
    return task;
  }

  list(namespace: string): ShimTask[] {
    return [...this.tasks.values()].filter((t) => t.namespace === namespace);
  }

  /**
   * Starts the shim of a task about to be created, so that its start-up (a Node process) overlaps
   * the caller's remaining work (a pod's snapshot, record and network); create() then takes it.
   * dropEarly() stops it if the task is not created after all. A daemon killed in between finds
   * its bundle with no container record at restart and discards it (recover()).
   */
  startEarly(namespace: string, id: string, spec: object, runtime: ContainerRecord['runtime']): void {
    const key = keyOf(namespace, id);
    if (this.tasks.has(key) || this.creating.has(key) || this.early.has(key)) return;
    const started = this.startShimFor(namespace, id, Buffer.from(JSON.stringify(spec)), runtime.name, runtime.options);
    started.catch(() => undefined); // create() or dropEarly() reports it
    this.early.set(key, started);
  }

  async dropEarly(namespace: string, id: string): Promise<void> {
    const started = this.early.get(keyOf(namespace, id));
    if (!started) return;
    this.early.delete(keyOf(namespace, id));
    const task = await started.catch(() => undefined);
    if (task) await this.abandon(task);
  }

  /**
   * The shim of this task stays when its last task goes, so the next task of its group does not
   * pay a shim start (the CRI plugin keeps one group shim warm this way). Not persisted: a
   * restarted daemon finds the idle shim again through its group's address.
   */
  keepWhenIdle(namespace: string, id: string): void {
    const task = this.tasks.get(keyOf(namespace, id));
    if (task) this.keptIdle.add(task.address);
  }

  async create(namespace: string, container: ContainerRecord, request: CreateOptions): Promise<number> {
    const key = keyOf(namespace, container.id);
    if (this.tasks.has(key) || this.creating.has(key)) throw new RuntsError(`task ${container.id}: already exists`, 'exists');
    if (!container.spec) throw invalid(`container ${container.id} has no spec to create a task from`);
    this.creating.add(key);
    try {
      // a request naming its own runtime binary does not take a shim started for the record's
      if (request.runtimePath) await this.dropEarly(namespace, container.id);
      const early = this.early.get(key);
      this.early.delete(key);
      const task = early
        ? await early
        : await this.startShimFor(namespace, container.id, container.spec.value, request.runtimePath || container.runtime.name, container.runtime.options);
      // the record's spec is the one the task is created from, whatever the early start was given
      if (early) writeBundleSpec(task.bundle, container.spec.value);
      const options = request.options ?? (container.runtime.options
        ? { type_url: container.runtime.options.typeUrl, value: container.runtime.options.value }
        : undefined);
      let pid: number;
      try {
        ({ pid } = await task.client.call('Create', {
          id: container.id,
          bundle: task.bundle.path,
          rootfs: request.rootfs.map((m) => ({ type: m.type, source: m.source, target: m.target, options: m.options })),
          terminal: request.terminal,
          stdin: request.stdin,
          stdout: request.stdout,
          stderr: request.stderr,
          checkpoint: '',
          options,
        }));
      } catch (err) {
        this.endJoining(task);
        await this.abandon(task);
        throw err;
      }
      this.tasks.set(key, task);
      this.endJoining(task);
      return pid;
    } finally {
      this.creating.delete(key);
    }
  }

  /** Tasks.Delete: the shim deletes the task, then goes; its bundle goes with it. */
  async delete(namespace: string, id: string): Promise<ShimExit> {
    const task = this.get(namespace, id);
    let exit: ShimExit;
    try {
      const response = await task.client.call('Delete', { id });
      exit = { pid: response.pid, exitStatus: response.exitStatus, exitedAt: response.exitedAt };
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      // The shim died under us: its `delete` says how the task ended.
      task.deleting = true;
      this.tasks.delete(keyOf(namespace, id));
      this.release(task);
      return this.cleanupDeadShim(task);
    }
    task.deleting = true;
    task.client.markDeleted(`task ${id} not found: deleted`);
    this.tasks.delete(keyOf(namespace, id));
    await this.shutdown(task);
    this.removeBundleLogged(task);
    return exit;
  }

  /** A fresh bundle for the task and its shim, started and connected; nothing left on failure. */
  private async startShimFor(
    namespace: string, id: string, specJson: Buffer, runtime: string, options: ContainerRecord['runtime']['options'],
  ): Promise<ShimTask> {
    const binary = resolveShimBinary(runtime);
    const bundle = bundleOf(this.deps.config.root, this.deps.config.state, namespace, id);
    createBundle(bundle, specJson, binary);
    const logReader = followShimLog(bundle.path, id, this.deps.log);
    const ctx = this.commandContext(binary, bundle);
    try {
      let address = await startShim(ctx, marshalAny(options));
      const closing = this.closing.get(address);
      if (closing) {
        // `start` found a shim that is exiting: once it is gone, `start` makes a new one
        await closing;
        address = await startShim(ctx, marshalAny(options));
      }
      this.beginJoining(address);
      try {
        const task = await this.connect(namespace, bundle, binary, address, logReader);
        task.joining = true;
        return task;
      } catch (err) {
        // started but unreachable: let its own `delete` clean up what it made
        this.endJoining({ address, joining: true });
        await deleteShim(ctx).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      logReader?.destroy();
      this.removeBundleLogged({ id, bundle });
      throw err;
    }
  }

  private commandContext(binary: string, bundle: Bundle): ShimCommandContext {
    return {
      binary,
      bundle,
      grpcAddress: this.deps.config.address,
      ttrpcAddress: this.ttrpcAddress,
      publishBinary: PUBLISH_BINARY,
      // containerd starts its shims with -debug when it logs at debug level itself
      debug: this.deps.config.logLevel === 'debug',
    };
  }

  private async connect(
    namespace: string, bundle: Bundle, binary: string, address: string, logReader: net.Socket | undefined,
  ): Promise<ShimTask> {
    const client = await TaskClient.connect(address);
    let shimPid: number;
    try {
      ({ shimPid } = await client.call('Connect', { id: bundle.id }));
    } catch (err) {
      client.close();
      throw err;
    }
    const task: ShimTask = {
      namespace, id: bundle.id, address, bundle, binary, client, logReader, deleting: false, joining: false, shimGone: Promise.resolve(),
    };
    if (shimPid > 0) {
      task.shimGone = exited(shimPid).then(() => undefined);
      task.shimGone.then(() => this.onShimGone(task));
    }
    return task;
  }

  /** containerd's cleanupAfterDeadShim: a shim died with its task still listed. */
  private onShimGone(task: ShimTask): void {
    if (task.deleting || this.tasks.get(keyOf(task.namespace, task.id)) !== task) return;
    task.deleting = true;
    this.tasks.delete(keyOf(task.namespace, task.id));
    this.deps.log.warn('cleaning up after shim disconnected', { id: task.id, namespace: task.namespace });
    this.release(task);
    this.cleanupDeadShim(task).catch((err) => this.deps.log.error('cleanup after dead shim failed', { id: task.id, error: String(err) }));
  }

  /** Runs the binary's `delete`, publishes the task's exit and deletion, removes the bundle. */
  private async cleanupDeadShim(task: Pick<ShimTask, 'namespace' | 'id' | 'bundle' | 'binary'>): Promise<ShimExit> {
    const address = readAddress(task.bundle.path);
    let exit: ShimExit;
    try {
      exit = await deleteShim(this.commandContext(task.binary, task.bundle));
    } catch (err) {
      this.deps.log.warn('shim delete failed', { id: task.id, error: (err as Error).message });
      exit = { pid: 0, exitStatus: 255, exitedAt: toTimestamp(Date.now()) };
    }
    const exitedAt = exit.exitedAt ?? toTimestamp(Date.now());
    this.publishTaskEvent(task.namespace, '/tasks/exit', 'TaskExit',
      { containerId: task.id, id: task.id, pid: exit.pid, exitStatus: exit.exitStatus, exitedAt });
    this.publishTaskEvent(task.namespace, '/tasks/delete', 'TaskDelete',
      { containerId: task.id, pid: exit.pid, exitStatus: exit.exitStatus, exitedAt });
    this.removeBundleLogged(task);
    // A killed shim cannot remove its own socket.
    if (address && !(await accepts(socketPathOf(address)))) fs.rmSync(socketPathOf(address), { force: true });
    return { ...exit, exitedAt };
  }

  /** A refused Create, or a task nothing owns: delete what the shim made, stop it, drop the bundle. */
  private async abandon(task: ShimTask): Promise<void> {
    task.deleting = true;
    try {
      await task.client.call('Delete', { id: task.id }, CLEANUP_TIMEOUT_MS);
    } catch {
      // nothing was created
    }
    await this.shutdown(task);
    try {
      await deleteShim(this.commandContext(task.binary, task.bundle));
    } catch (err) {
      this.deps.log.warn('shim delete failed', { id: task.id, error: (err as Error).message });
    }
    this.removeBundleLogged(task);
  }

  /** Kills a task's processes and removes the task, its shim and its bundle. */
  private async discard(task: ShimTask): Promise<void> {
    task.deleting = true;
    try {
      await task.client.call('Kill', { id: task.id, signal: 9, all: true });
      await task.client.call('Wait', { id: task.id }, CLEANUP_TIMEOUT_MS);
    } catch {
      // stopped already
    }
    await this.abandon(task);
  }

  private containerExists(namespace: string, id: string): boolean {
    try {
      this.deps.metadata.view((t) => getContainer(t, namespace, id));
      return true;
    } catch {
      return false;
    }
  }

  /** Shuts down a shim with no task (it exits only when it has none) and waits, briefly, until it did. */
  private async shutdownIdle(address: string): Promise<void> {
    let client: TaskClient | undefined;
    try {
      client = await TaskClient.connect(address);
      const { shimPid } = await client.call('Connect', { id: '' }, CLEANUP_TIMEOUT_MS);
      await client.call('Shutdown', { id: '' }, CLEANUP_TIMEOUT_MS);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited(shimPid), new Promise((r) => (timer = setTimeout(r, SHUTDOWN_WAIT_MS)))]);
      clearTimeout(timer);
    } catch (err) {
      this.deps.log.debug('idle shim already gone', { address, error: String(err) });
    } finally {
      client?.close();
    }
  }

  private beginJoining(address: string): void {
    this.joining.set(address, (this.joining.get(address) ?? 0) + 1);
  }

  private endJoining(task: Pick<ShimTask, 'address' | 'joining'>): void {
    if (!task.joining) return;
    task.joining = false;
    const left = (this.joining.get(task.address) ?? 1) - 1;
    if (left > 0) this.joining.set(task.address, left);
    else this.joining.delete(task.address);
  }

  /** Asks the shim to exit and waits (briefly) until it did, as containerd's waitShutdown. */
  private async shutdown(task: ShimTask): Promise<void> {
    this.endJoining(task);
    // a grouped shim serving other tasks (or about to) stays, and so does one kept warm
    const shared = [...this.tasks.values()].some((t) => t !== task && t.address === task.address);
    if (shared || this.joining.has(task.address) || this.keptIdle.has(task.address)) {
      this.release(task);
      return;
    }
    const gone = (async () => {
      try {
        await task.client.call('Shutdown', { id: task.id });
      } catch {
        // a shim may drop the connection while answering
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([task.shimGone, new Promise((r) => (timer = setTimeout(r, SHUTDOWN_WAIT_MS)))]);
      clearTimeout(timer);
    })();
    this.closing.set(task.address, gone);
    try {
      await gone;
    } finally {
      if (this.closing.get(task.address) === gone) this.closing.delete(task.address);
      this.release(task);
    }
  }

  private release(task: ShimTask): void {
    task.client.close();
    task.logReader?.destroy();
    task.logReader = undefined;
  }

  private removeBundleLogged(task: Pick<ShimTask, 'id' | 'bundle'>): void {
    try {
      removeBundle(task.bundle);
    } catch (err) {
      this.deps.log.error('removing bundle failed', { id: task.id, error: (err as Error).message });
    }
  }

  private publishTaskEvent(namespace: string, topic: string, name: string, event: Record<string, unknown>): void {
    this.deps.events.publishEnvelope({
      timestamp: toTimestamp(Date.now()),
      namespace,
      topic,
      event: { type_url: `containerd.events.${name}`, value: eventType(name).encode(event) },
    });
  }

  /** One bundle found at start-up: reconnect to its shim, or clean up after it. */
  private async recover(bundle: Bundle): Promise<void> {
    const binary = readShimBinary(bundle.path);
    const address = readAddress(bundle.path);
    if (!binary) {
      this.deps.log.warn('removing a bundle with no shim binary recorded', { path: bundle.path });
      try { removeBundle(bundle); } catch (err) { this.deps.log.error('removing bundle failed', { path: bundle.path, error: String(err) }); }
      return;
    }
    const logReader = followShimLog(bundle.path, bundle.id, this.deps.log);
    let task: ShimTask | undefined;
    if (address) {
      try {
        task = await this.connect(bundle.namespace, bundle, binary, address, logReader);
        await task.client.call('State', { id: bundle.id });
      } catch (err) {
        this.deps.log.warn('shim of a recovered task is not answering', { id: bundle.id, error: (err as Error).message });
        task?.client.close();
        task = undefined;
      }
    }
    if (task && !this.containerExists(bundle.namespace, bundle.id)) {
      // as containerd: a task whose container record is gone cannot be managed any more
      this.deps.log.warn('removing a task whose container is gone', { id: bundle.id, namespace: bundle.namespace });
      await this.discard(task);
      return;
    }
    if (task) {
      this.tasks.set(keyOf(bundle.namespace, bundle.id), task);
      this.deps.log.info('reconnected to shim', { id: bundle.id, namespace: bundle.namespace });
      return;
    }
    logReader?.destroy();
    await this.cleanupDeadShim({ namespace: bundle.namespace, id: bundle.id, bundle, binary });
  }
}

const managers = new WeakMap<Deps, ShimManager>();

/** The daemon's one shim manager (the Tasks service and start-up share it through deps). */
export function shimManagerFor(deps: Deps): ShimManager {
  let manager = managers.get(deps);
  if (!manager) {
    manager = new ShimManager(deps);
    managers.set(deps, manager);
  }
  return manager;
}
