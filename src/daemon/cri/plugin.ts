// The CRI plugin's shared state: a client of runtsd's own containerd API in the k8s.io
// namespace (containerd's CRI plugin drives containerd the same way), the pod network
// environment, the pods' and containers' output pipes, and the bookkeeping of exits: a
// container whose task ended gets its exit recorded and its task deleted, as containerd's
// event monitor does. A restarted daemon picks up every pod and container from the records.
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { Client, hasCode } from '../../client/client';
import { Cni } from '../../network/cni/cni';
import { NetworkConfList, configFiles, parseConfList } from '../../network/cni/config';
import { NetworkEnv, cachedAddress } from '../../network/attach';
import { NetnsDir } from '../../network/netns';
import { eventType } from '../../foundation/protos/shim';
import { Deps, GrpcStatusError } from '../deps';
import { CRI_NAMESPACE, ContainerMeta, CriStore, Message, SandboxMeta, WireRuntime, asStatus } from './store';
import { CriConfig, DEFAULT_CRI_CONFIG } from './config';
import { ImageIndexView } from './images';
import { CriLogFile, OutputPipe, pipeOutput } from './logs';
import { ImagePuller, daemonPuller } from './puller';
import { StreamingServer } from './streaming/server';
import { StdinWriter, writeStdinFifo } from './stdin-fifo';
import { ensurePauseImage } from './pause-image';
import { addPodHostsEntry } from './spec';
import { ShimGroups } from './shim-groups';
import { shimManagerFor } from '../shims/manager';

export const SNAPSHOTTER = 'overlayfs';
/** runts's shim: the runtime of CRI pods unless the config names another. */
export const RUNTS_RUNTIME = 'io.containerd.runts.v2';
const DRAIN_MS = 2000;

export interface TaskExit { exitStatus: number; exitedAt: number }

/** A running container's stdio as runtsd holds it: output into the CRI log (and attached
 *  clients), and the write end of its stdin fifo when its config asked for stdin. */
export interface ContainerIO { pipe: OutputPipe; log: CriLogFile; stdin?: StdinWriter }

export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

/** What changed, for GetContainerEvents: a container's (or a sandbox's: its id) life. */
export interface ContainerEvent { id: string; sandboxId: string; type: ContainerEventType; at: number }

export class CriPlugin {
  readonly client: Client;
  readonly store: CriStore;
  readonly images: ImageIndexView;
  readonly config: CriConfig;
  readonly network: NetworkEnv;
  /** <root>/io.containerd.grpc.v1.cri: pods' files. */
  readonly dir: string;
  /** <state>/io.containerd.grpc.v1.cri: fifos. */
  readonly stateDir: string;
  readonly puller: ImagePuller;
  /** The streaming server of Exec, Attach and PortForward: listens from the first such call on. */
  readonly streaming: StreamingServer;
  /** Pods of runts's runtime sharing shims. */
  readonly shimGroups: ShimGroups;
  private readonly outputs = new Map<string, ContainerIO>();
  private readonly finishing = new Map<string, Promise<void>>();
  private recovered: Promise<void> | undefined;
  private readonly listeners = new Set<(e: ContainerEvent) => void>();
  private pauseImage: Promise<string> | undefined;

  constructor(readonly deps: Deps) {
    this.config = { ...DEFAULT_CRI_CONFIG, ...(deps.config.cri?.config ?? {}) };
    this.puller = daemonPuller(deps, this.config.registryConfigPath);
    // runtsd's services in-process (as containerd's CRI calls containerd's), the socket otherwise
    this.client = new Client(path.resolve(deps.config.address), CRI_NAMESPACE, '', deps.inProcess);
    this.store = new CriStore(this.client);
    this.images = new ImageIndexView(this.client);
    this.dir = path.resolve(deps.config.root, 'io.containerd.grpc.v1.cri');
    this.stateDir = path.resolve(deps.config.state, 'io.containerd.grpc.v1.cri');
    this.network = {
      confDir: this.config.cniConfDir,
      cni: new Cni({ binDirs: this.config.cniBinDirs, cacheDir: path.join(this.dir, 'cni') }),
      netns: new NetnsDir(path.resolve(deps.config.state, 'netns')),
    };
    // runtsd's image service publishes each change before it answers: the cached views follow
    deps.events.subscribe((envelope) => {
      if (envelope.namespace !== CRI_NAMESPACE || !envelope.topic.startsWith('/images/')) return;
      this.images.invalidate();
      this.pauseImage = undefined;
    });
    this.shimGroups = new ShimGroups(this.config.podsPerShim);
    this.streaming = new StreamingServer(this.config.streamServerAddress, Number(this.config.streamServerPort) || 0, this.config.streamIdleTimeoutMs,
      (err) => deps.log.warn('streaming session failed', { error: String(err) }));
  }

  /** Once the daemon serves: follow task exits, take back running containers' output. */
  serving(): void {
    for (const key of this.deps.config.cri?.ignored ?? []) {
      this.deps.log.warn('config key not implemented by runtsd, ignored', { key: `plugins."io.containerd.grpc.v1.cri".${key}` });
    }
    this.deps.events.subscribe((envelope) => {
      if (envelope.namespace !== CRI_NAMESPACE || envelope.topic !== '/tasks/exit') return;
      const exit = eventType('TaskExit').decode(envelope.event.value);
      if (exit.id && exit.id !== exit.containerId) return; // an exec's exit
      void this.finishContainer(exit.containerId).catch((err) =>
        this.deps.log.warn('recording a container exit failed', { id: exit.containerId, error: String(err) }));
    });
    void this.ready().catch((err) => this.deps.log.error('CRI recovery failed', { error: String(err) }));
  }

  /** Returns the function that unsubscribes. */
  onContainerEvent(listener: (e: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(id: string, sandboxId: string, type: ContainerEventType): void {
    const event = { id, sandboxId, type, at: Date.now() * 1e6 };
    for (const listener of this.listeners) listener(event);
  }

  /** The default runtime as a container record names it: containerd's runtimeoptions.v1.Options
   *  (config_path) when the configured runtime has an options file. */
  runtime(): WireRuntime {
    const r = this.config.runtimes[this.config.defaultRuntime];
    if (!r) return { name: RUNTS_RUNTIME, options: null };
    if (!r.configPath) return { name: r.type, options: null };
    const value = protobuf.Writer.create().uint32(18).string(r.configPath).finish();
    return { name: r.type, options: { type_url: 'runtimeoptions.v1.Options', value: Buffer.from(value) } };
  }

  /** Every CRI call waits for recovery to have run once. */
  ready(): Promise<void> {
    // a failed recovery (the daemon busy, a shim not answering) is tried again by the next call
    this.recovered ??= this.recover().catch((err) => {
      this.recovered = undefined;
      throw err;
    });
    return this.recovered;
  }

  private async recover(): Promise<void> {
    for (const s of await this.store.list<SandboxMeta>('sandbox')) {
      if (s.meta.stopped) continue;
      this.shimGroups.restore(s.id, s.meta.shimGroup);
      if (ShimGroups.isKeptWarm(s.meta.shimGroup)) shimManagerFor(this.deps).keepWhenIdle(CRI_NAMESPACE, s.id);
      // a daemon killed between a pod's record and its network's result left the record without its IP
      if (s.meta.ip || !s.meta.network) continue;
      const address = cachedAddress(this.network, s.id, s.meta.network);
      if (!address?.ip) continue;
      s.meta.ip = address.ip;
      addPodHostsEntry(s.meta.dir, s.meta.config.hostname, address.ip);
      await this.store.updateMeta(s.id, s.meta);
    }
    for (const c of await this.store.list<ContainerMeta>('container')) {
      if (!c.meta.startedAt || c.meta.finishedAt) continue;
      // output written while runtsd was down waits in the fifos: read it, also from a task that ended
      this.attachOutput(c.meta, false);
      const state = await this.taskState(c.id);
      if (state?.status !== 'RUNNING' && state?.status !== 'PAUSED') await this.finishContainer(c.id);
    }
  }

  /** The pod sandbox image's name: the configured one, else runtsd's own, made (once) here. */
  sandboxImage(): Promise<string> {
    if (this.config.sandboxImage) return Promise.resolve(this.config.sandboxImage);
    this.pauseImage ??= ensurePauseImage(path.resolve(this.deps.config.address), CRI_NAMESPACE, SNAPSHOTTER).catch((err) => {
      this.pauseImage = undefined;
      throw asStatus(err);
    });
    return this.pauseImage;
  }

  /** The default pod network: the first config list in the conf dir (libcni's order). */
  defaultNetwork(): NetworkConfList | undefined {
    for (const file of configFiles(this.network.confDir)) {
      try {
        return parseConfList(fs.readFileSync(file, 'utf8'), file);
      } catch {
        continue;
      }
    }
    return undefined;
  }

  async taskState(id: string): Promise<Message | undefined> {
    try {
      const { process } = await this.client.unary('tasks', 'Get', { container_id: id });
      return process;
    } catch (err) {
      if (hasCode(err, 'NOT_FOUND')) return undefined;
      throw asStatus(err);
    }
  }

  /** The task's exit, or undefined when it did not end within timeoutMs (0: wait forever). */
  async waitTask(id: string, timeoutMs: number, execId = ''): Promise<TaskExit | undefined> {
    const wait = this.client.unary('tasks', 'Wait', { container_id: id, exec_id: execId })
      .then((r: Message) => ({ exitStatus: r.exit_status, exitedAt: (r.exited_at?.seconds ?? 0) * 1e9 + (r.exited_at?.nanos ?? 0) }))
      .catch((err: unknown) => {
        if (hasCode(err, 'NOT_FOUND')) return { exitStatus: 0, exitedAt: 0 };
        throw asStatus(err);
      });
    if (!timeoutMs) return wait;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs); });
    try {
      return await Promise.race([wait, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async killTask(id: string, signal: number, execId = ''): Promise<void> {
    try {
      await this.client.unary('tasks', 'Kill', { container_id: id, exec_id: execId, signal, all: !execId });
    } catch (err) {
      if (!hasCode(err, 'NOT_FOUND') && !hasCode(err, 'FAILED_PRECONDITION')) throw asStatus(err);
    }
  }

  /** Deletes a task (the shim unmounts the rootfs and goes); idempotent. */
  async deleteTask(id: string): Promise<void> {
    try {
      await this.client.unary('tasks', 'Delete', { container_id: id });
    } catch (err) {
      if (!hasCode(err, 'NOT_FOUND')) throw asStatus(err);
    }
  }

  /** Kills a task and waits (bounded) until it is gone. */
  async stopTask(id: string, signal: number, graceMs: number): Promise<void> {
    const state = await this.taskState(id);
    if (!state || state.status === 'STOPPED') return;
    // a created task never ran its process: no grace to give
    if (state.status === 'CREATED') signal = 9;
    await this.killTask(id, signal);
    if (signal !== 9 && (await this.waitTask(id, graceMs)) !== undefined) return;
    await this.killTask(id, 9);
    if ((await this.waitTask(id, 10_000)) === undefined) {
      throw new GrpcStatusError(grpc.status.DEADLINE_EXCEEDED, `task ${id} did not exit 10s after SIGKILL`);
    }
  }

  /** The container's fifos, read into its CRI log; `fresh` makes new fifos (a starting task). */
  attachOutput(meta: ContainerMeta, fresh: boolean): ContainerIO {
    const old = this.outputs.get(meta.id);
    old?.pipe.close();
    old?.stdin?.close();
    const dir = path.join(this.stateDir, meta.id);
    if (fresh) fs.rmSync(dir, { recursive: true, force: true });
    const log = new CriLogFile(meta.logPath);
    const pipe = pipeOutput(dir, 'io', log);
    const io: ContainerIO = { pipe, log, stdin: meta.config.stdin ? this.openStdin(path.join(dir, 'io-stdin'), fresh) : undefined };
    if (!fresh) pipe.release(); // the shim holds the write ends already
    this.outputs.set(meta.id, io);
    return io;
  }

  /** A restarted daemon finds the fifo held by the shim, unless its stdin was closed for good. */
  private openStdin(file: string, fresh: boolean): StdinWriter | undefined {
    try {
      return writeStdinFifo(file, fresh);
    } catch (err) {
      if (fresh) throw err;
      return undefined;
    }
  }

  /** A running container's stdio, for Attach. */
  containerIO(id: string): ContainerIO | undefined {
    return this.outputs.get(id);
  }

  reopenLog(id: string): boolean {
    const out = this.outputs.get(id);
    if (!out) return false;
    out.log.reopen();
    return true;
  }

  /** Closes a container's output once drained (bounded), and its fifo dir. */
  async detachOutput(id: string): Promise<void> {
    const out = this.outputs.get(id);
    if (out) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([out.pipe.done, new Promise((r) => { timer = setTimeout(r, DRAIN_MS); })]);
      clearTimeout(timer);
      out.pipe.close();
      out.stdin?.close();
      out.log.close();
      this.outputs.delete(id);
    }
    fs.rmSync(path.join(this.stateDir, id), { recursive: true, force: true });
  }

  /** Records a started container's exit (once) and deletes its task. */
  finishContainer(id: string): Promise<void> {
    let running = this.finishing.get(id);
    if (!running) {
      running = this.recordExit(id).finally(() => this.finishing.delete(id));
      this.finishing.set(id, running);
    }
    return running;
  }

  private async recordExit(id: string): Promise<void> {
    const record = await this.store.find<ContainerMeta>('container', id);
    if (!record || !record.meta.startedAt || record.meta.finishedAt) return;
    const state = await this.taskState(id);
    if (state && state.status !== 'STOPPED') return;
    const meta = record.meta;
    const exitedAt = state?.exited_at ? state.exited_at.seconds * 1e9 + state.exited_at.nanos : Date.now() * 1e6;
    meta.finishedAt = exitedAt || Date.now() * 1e6;
    meta.exitCode = state ? state.exit_status : 255;
    meta.reason = state ? (meta.exitCode === 0 ? 'Completed' : 'Error') : 'Unknown';
    await this.deleteTask(id);
    await this.detachOutput(id);
    await this.store.updateMeta(id, meta);
    this.emit(id, meta.sandboxId, 'CONTAINER_STOPPED_EVENT');
  }

  close(): void {
    this.streaming.close();
    for (const out of this.outputs.values()) { out.pipe.close(); out.stdin?.close(); out.log.close(); }
    this.outputs.clear();
    this.client.close();
  }
}

const plugins = new WeakMap<Deps, CriPlugin>();

/** The daemon's one CRI plugin (both CRI services share it). */
export function criPluginFor(deps: Deps): CriPlugin {
  let plugin = plugins.get(deps);
  if (!plugin) {
    plugin = new CriPlugin(deps);
    plugins.set(deps, plugin);
  }
  return plugin;
}

/** Closes the daemon's CRI plugin, if a CRI call created it. */
export function closeCriPlugin(deps: Deps): void {
  plugins.get(deps)?.close();
  plugins.delete(deps);
}
