// Containers of a pod: CreateContainer makes the record, rootfs snapshot and spec (joining the
// pause process's namespaces); StartContainer creates and starts the task with its output going
// to the CRI log; Stop signals with a grace period; Remove is idempotent and leaves the log file
// (kubelet owns it). State comes from the recorded exit or the task.
import { randomBytes } from 'crypto';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { hasCode } from '../../client/client';
import { GrpcStatusError } from '../deps';
import { CriPlugin, SNAPSHOTTER } from './plugin';
import { ContainerMeta, CriRecord, Message, SANDBOX_ID_LABEL, SandboxMeta, asStatus } from './store';
import { containerSpec, ociResources } from './spec';
import { refuseLsm } from './seccomp';
import { containerUser } from './container-user';
import { withRootfs } from './rootfs-files';
import { nanos, resolveImageForUse, sandboxReady } from './sandboxes';

const invalidArg = (msg: string) => new GrpcStatusError(grpc.status.INVALID_ARGUMENT, msg);
const settled = <T>(r: PromiseSettledResult<T>): T => {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
};
const SIGTERM = 15;
const SIGKILL = 9;

export async function createContainer(cri: CriPlugin, request: Message): Promise<string> {
  const config = request.config;
  if (!config?.metadata?.name) throw invalidArg('container config needs metadata.name');
  if (!config.image?.image) throw invalidArg('container config needs an image');
  refuseLsm('container', config.linux?.security_context?.apparmor, config.linux?.security_context?.selinux_options);
  const sandbox = await cri.store.get<SandboxMeta>('sandbox', request.pod_sandbox_id);
  // independent look-ups, together; their failures are reported in the order they were checked
  const [pauseState, listed, resolved] = await Promise.allSettled([
    cri.taskState(sandbox.id), cri.store.list<ContainerMeta>('container'), resolveImageForUse(cri, config.image.image),
  ]);
  const pause = settled(pauseState);
  if (sandbox.meta.stopped || pause?.status !== 'RUNNING') {
    throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `pod sandbox ${sandbox.id} is not ready (stopped?): cannot create a container in it`);
  }
  const pod = sandbox.meta.config.metadata;
  const name = `${config.metadata.name}_${pod.name}_${pod.namespace}_${pod.uid}_${config.metadata.attempt}`;
  const taken = settled(listed).find((c) => c.labels['io.runts.cri.name'] === name);
  if (taken) throw new GrpcStatusError(grpc.status.ALREADY_EXISTS, `container name "${name}" is reserved for ${taken.id}`);
  const image = settled(resolved);
  const nsOpts = config.linux?.security_context?.namespace_options ?? {};
  let targetPid = 0;
  if (nsOpts.pid === 'TARGET') {
    const target = await cri.taskState(nsOpts.target_id);
    if (!target?.pid) throw invalidArg(`pid namespace target ${nsOpts.target_id} is not a running container`);
    targetPid = target.pid;
  }
  const id = randomBytes(32).toString('hex');
  const meta: ContainerMeta = {
    id, sandboxId: sandbox.id, config, imageRef: image.id, imageName: config.image.image,
    logPath: sandbox.meta.config.log_directory && config.log_path ? path.join(sandbox.meta.config.log_directory, config.log_path) : '',
    cgroupsPath: '', createdAt: Date.now() * 1e6, startedAt: 0, finishedAt: 0, exitCode: 0, reason: '',
  };
  meta.cgroupsPath = `${path.posix.dirname(sandbox.meta.cgroupsPath)}/${id}`;
  // The snapshot is prepared while the spec is made and recorded; only a user given by name
  // waits for it (to look the name up in its /etc/passwd).
  const preparing = cri.client.unary('snapshots', 'Prepare', { snapshotter: SNAPSHOTTER, key: id, parent: image.topChainId, labels: {} });
  preparing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  let recorded = false;
  try {
    const user = await containerUser(config.linux?.security_context ?? {}, image.config.config?.User, async (use) => withRootfs((await preparing).mounts, use));
    const spec = containerSpec({
      sandboxId: sandbox.id, config, sandboxConfig: sandbox.meta.config, image: image.config, podDir: sandbox.meta.dir, pausePid: pause?.pid ?? 0,
      targetPid, cgroupsPath: meta.cgroupsPath, restrictOom: cri.config.restrictOomScoreAdj, user, shimGroup: sandbox.meta.shimGroup,
    });
    const record = cri.store.create('container', {
      id, image: image.names[0] ?? image.id, spec, snapshotKey: id, meta, runtime: cri.runtime(),
      labels: { ...config.labels, 'io.runts.cri.name': name, [SANDBOX_ID_LABEL]: sandbox.id },
    }).then(() => { recorded = true; });
    const [prepared, created] = await Promise.allSettled([preparing, record]);
    if (prepared.status === 'rejected') throw prepared.reason;
    if (created.status === 'rejected') throw created.reason;
  } catch (err) {
    if (recorded) await cri.store.remove(id).catch(() => undefined);
    await preparing.then(() => cri.client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: id }), () => undefined).catch(() => undefined);
    throw asStatus(err);
  }
  cri.emit(id, sandbox.id, 'CONTAINER_CREATED_EVENT');
  return id;
}

export async function startContainer(cri: CriPlugin, id: string): Promise<void> {
  const c = await cri.store.get<ContainerMeta>('container', id);
  if (c.meta.startedAt) throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `container ${c.id} was started already`);
  const sandbox = await cri.store.get<SandboxMeta>('sandbox', c.meta.sandboxId);
  if (!(await sandboxReady(cri, sandbox))) throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `pod sandbox ${sandbox.id} is not ready`);
  const io = cri.attachOutput(c.meta, true);
  try {
    const { mounts } = await cri.client.unary('snapshots', 'Mounts', { snapshotter: SNAPSHOTTER, key: c.id });
    await cri.client.unary('tasks', 'Create', {
      container_id: c.id, rootfs: mounts, stdin: io.stdin?.path ?? '', stdout: io.pipe.stdout,
      stderr: c.meta.config.tty ? '' : io.pipe.stderr, terminal: Boolean(c.meta.config.tty),
    });
    await cri.client.unary('tasks', 'Start', { container_id: c.id, exec_id: '' });
    // the shim holds the fifos from Create on: our extra ends can go
    io.pipe.release();
    io.stdin?.release();
  } catch (err) {
    await cri.deleteTask(c.id).catch(() => undefined);
    await cri.detachOutput(c.id);
    throw asStatus(err);
  }
  c.meta.startedAt = Date.now() * 1e6;
  await cri.store.updateMeta(c.id, c.meta);
  cri.emit(c.id, c.meta.sandboxId, 'CONTAINER_STARTED_EVENT');
}

export async function stopContainer(cri: CriPlugin, id: string, timeoutSeconds: number): Promise<void> {
  const c = await cri.store.get<ContainerMeta>('container', id);
  if (!c.meta.startedAt || c.meta.finishedAt) return;
  await cri.stopTask(c.id, timeoutSeconds > 0 ? SIGTERM : SIGKILL, timeoutSeconds * 1000);
  await cri.finishContainer(c.id);
}

export async function removeContainer(cri: CriPlugin, id: string): Promise<void> {
  const c = await cri.store.find<ContainerMeta>('container', id);
  if (!c) return;
  // a recorded exit means its task was deleted then (finishContainer): nothing to stop or delete
  if (!c.meta.finishedAt) {
    if (c.meta.startedAt) {
      await cri.stopTask(c.id, SIGKILL, 0);
      await cri.finishContainer(c.id);
    }
    await cri.deleteTask(c.id);
  }
  await cri.detachOutput(c.id);
  try {
    await cri.client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: c.id });
  } catch (err) {
    if (!hasCode(err, 'NOT_FOUND')) throw asStatus(err);
  }
  await cri.store.remove(c.id);
  cri.emit(c.id, c.meta.sandboxId, 'CONTAINER_DELETED_EVENT');
}

export type CriState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export async function stateOf(cri: CriPlugin, c: CriRecord<ContainerMeta>): Promise<CriState> {
  if (c.meta.finishedAt) return 'CONTAINER_EXITED';
  if (!c.meta.startedAt) return 'CONTAINER_CREATED';
  const task = await cri.taskState(c.id);
  if (task?.status === 'RUNNING' || task?.status === 'PAUSED') return 'CONTAINER_RUNNING';
  await cri.finishContainer(c.id);
  return 'CONTAINER_EXITED';
}

const userLabels = (labels: Record<string, string>) => {
  const { 'io.runts.cri.name': _, 'io.cri-containerd.kind': __, [SANDBOX_ID_LABEL]: ___, ...rest } = labels;
  return rest;
};

function containerMessage(c: CriRecord<ContainerMeta>, state: CriState): Message {
  return {
    id: c.id,
    pod_sandbox_id: c.meta.sandboxId,
    metadata: c.meta.config.metadata,
    image: { image: c.meta.imageName, annotations: {} },
    image_ref: c.meta.imageRef,
    state,
    created_at: nanos(c.meta.createdAt),
    labels: userLabels(c.labels),
    annotations: c.meta.config.annotations ?? {},
  };
}

export async function listContainers(cri: CriPlugin, filter: Message | null): Promise<Message[]> {
  const out: Message[] = [];
  for (const c of await cri.store.list<ContainerMeta>('container')) {
    if (filter?.id && !c.id.startsWith(filter.id)) continue;
    if (filter?.pod_sandbox_id && !c.meta.sandboxId.startsWith(filter.pod_sandbox_id)) continue;
    const msg = containerMessage(c, await stateOf(cri, c));
    if (filter?.state && filter.state.state !== msg.state) continue;
    if (filter?.label_selector && Object.entries(filter.label_selector).some(([k, v]) => msg.labels[k] !== v)) continue;
    out.push(msg);
  }
  return out;
}

export async function containerStatus(cri: CriPlugin, id: string, verbose: boolean): Promise<Message> {
  let c = await cri.store.get<ContainerMeta>('container', id);
  const state = await stateOf(cri, c);
  if (state === 'CONTAINER_EXITED') c = await cri.store.get<ContainerMeta>('container', c.id);
  const m = c.meta;
  const status = {
    ...containerMessage(c, state),
    started_at: nanos(m.startedAt),
    finished_at: nanos(m.finishedAt),
    exit_code: m.exitCode,
    reason: m.reason,
    message: '',
    mounts: (m.config.mounts ?? []),
    log_path: m.logPath,
  };
  const info: Record<string, string> = {};
  if (verbose) {
    const task = await cri.taskState(c.id);
    info.info = JSON.stringify({ sandboxID: m.sandboxId, pid: task?.pid ?? 0, config: m.config, runtimeSpec: await cri.store.spec(c.id) });
  }
  return { status, info };
}

export async function updateContainerResources(cri: CriPlugin, id: string, linux: Message | null): Promise<void> {
  const c = await cri.store.get<ContainerMeta>('container', id);
  if ((await stateOf(cri, c)) !== 'CONTAINER_RUNNING') {
    throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `container ${c.id} is not running: its resources cannot be updated`);
  }
  const resources = ociResources(linux ?? {});
  await cri.client.unary('tasks', 'Update', {
    container_id: c.id,
    resources: { type_url: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources', value: Buffer.from(JSON.stringify(resources)) },
    annotations: {},
  }).catch((err) => { throw asStatus(err); });
}

export async function reopenContainerLog(cri: CriPlugin, id: string): Promise<void> {
  const c = await cri.store.get<ContainerMeta>('container', id);
  if ((await stateOf(cri, c)) !== 'CONTAINER_RUNNING' || !cri.reopenLog(c.id)) {
    throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `container ${c.id} is not running: its log cannot be reopened`);
  }
}
