// Pod sandboxes: RunPodSandbox makes the pod's network namespace and CNI network, its files and
// its pause container (holding the pod's namespaces); Stop ends its containers and the pause
// task and gives the network back; Remove deletes what is left. Stop and Remove are idempotent.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { hasCode } from '../../client/client';
import { unpackImage } from '../../client/unpack';
import { addNetworks, detachNetwork } from '../../network/attach';
import { PortMapping } from '../../network/ports';
import { GrpcStatusError } from '../deps';
import { CriPlugin, RUNTS_RUNTIME, SNAPSHOTTER } from './plugin';
import { CRI_NAMESPACE, ContainerMeta, CriRecord, Message, SandboxMeta, asStatus, notFoundStatus } from './store';
import { shimManagerFor } from '../shims/manager';
import { addPodHostsEntry, cgroupsPathFor, isNode, sandboxSpec, writePodFiles } from './spec';
import { refuseLsm } from './seccomp';
import { removeContainer } from './containers';
import { CriImage } from './images';
import { ShimGroups } from './shim-groups';

const invalidArg = (msg: string) => new GrpcStatusError(grpc.status.INVALID_ARGUMENT, msg);

export const nanos = (ns: number) => Math.round(ns);

export async function resolveImageForUse(cri: CriPlugin, ref: string): Promise<CriImage> {
  const image = await cri.images.find(ref);
  if (!image) throw notFoundStatus(`image "${ref}" not found (pull it, or import it into namespace k8s.io)`);
  // unpacked already (the usual case): its top layer's snapshot exists
  const unpacked = await cri.client.unary('snapshots', 'Stat', { snapshotter: SNAPSHOTTER, key: image.topChainId }).then(() => true, () => false);
  if (unpacked) return image;
  await unpackImage(cri.client, {
    mediaType: image.target.media_type, digest: image.target.digest, size: Number(image.target.size),
  }, SNAPSHOTTER, { layer: () => undefined }).catch((err) => { throw asStatus(err); });
  return image;
}

function validateSandboxConfig(config: Message | null): asserts config is Message {
  if (!config) throw invalidArg('RunPodSandbox needs a config');
  const m = config.metadata;
  if (!m?.name || !m?.namespace || !m?.uid) throw invalidArg('pod sandbox metadata needs name, namespace and uid');
  refuseLsm('pod sandbox', config.linux?.security_context?.apparmor, config.linux?.security_context?.selinux_options);
}

const portMappings = (config: Message): PortMapping[] => (config.port_mappings ?? [])
  .filter((p: Message) => p.host_port > 0)
  .map((p: Message) => ({
    hostPort: p.host_port, containerPort: p.container_port, protocol: p.protocol === 'UDP' ? 'udp' : 'tcp', hostIP: p.host_ip || '',
  }));

export async function runPodSandbox(cri: CriPlugin, request: Message): Promise<string> {
  const config = request.config;
  validateSandboxConfig(config);
  if (request.runtime_handler) throw invalidArg(`runtime handler "${request.runtime_handler}" is not configured (runtsd has only the default)`);
  const name = `${config.metadata.name}_${config.metadata.namespace}_${config.metadata.uid}_${config.metadata.attempt}`;
  // independent look-ups, together: the name's uniqueness and the sandbox image
  const [sandboxes, { imageName, image }] = await Promise.all([
    cri.store.list<SandboxMeta>('sandbox'),
    cri.sandboxImage().then(async (imageName) => ({ imageName, image: await resolveImageForUse(cri, imageName) })),
  ]);
  const taken = sandboxes.find((s) => s.labels['io.runts.cri.name'] === name);
  if (taken) throw new GrpcStatusError(grpc.status.ALREADY_EXISTS, `pod sandbox name "${name}" is reserved for ${taken.id}`);

  const id = randomBytes(32).toString('hex');
  const hostNetwork = isNode(config.linux?.security_context?.namespace_options?.network);
  const network = hostNetwork ? undefined : cri.defaultNetwork();
  if (!hostNetwork && !network) {
    throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `cni config not initialized: no network config list in ${cri.network.confDir}`);
  }
  const runtime = cri.runtime();
  const shimGroup = runtime.name === RUNTS_RUNTIME ? cri.shimGroups.place(id) : undefined;
  const meta: SandboxMeta = {
    id, config, createdAt: Date.now() * 1e6, netns: '', network: network?.name ?? '', ip: '',
    dir: path.join(cri.dir, 'sandboxes', id), cgroupsPath: cgroupsPathFor(config, id), stopped: false, shimGroup,
  };
  const undo: (() => Promise<unknown>)[] = [async () => cri.shimGroups.release(id)];
  const shims = shimManagerFor(cri.deps);
  // The CNI plugins run while the pause task's shim starts (containerd 1.6 runs them first, then
  // the task): the pause process only holds the namespace, the network may come up after it.
  let networking: Promise<unknown> = Promise.resolve();
  try {
    // the pause task's shim (a Node process) starts first: the namespace it will join, the
    // snapshot, the record and the network are made meanwhile
    meta.netns = network ? cri.network.netns.pathOf(id) : '';
    const spec = sandboxSpec({
      id, config, image: image.config, netns: meta.netns, cgroupsPath: meta.cgroupsPath, restrictOom: cri.config.restrictOomScoreAdj, shimGroup,
    });
    shims.startEarly(CRI_NAMESPACE, id, spec, { name: runtime.name, options: runtime.options ? { typeUrl: runtime.options.type_url, value: runtime.options.value } : undefined });
    undo.push(() => shims.dropEarly(CRI_NAMESPACE, id));
    if (network) {
      undo.push(() => detachNetwork(cri.network, id, network.name));
      cri.network.netns.create(id);
      networking = addNetworks(cri.network, id, meta.netns, network.name, portMappings(config)).then((attached) => { meta.ip = attached.ip; });
      networking.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    }
    undo.push(async () => fs.rmSync(meta.dir, { recursive: true, force: true }));
    writePodFiles(meta.dir, config, hostNetwork);
    // the record names its snapshot by key: neither waits for the other
    const [prepared, recorded] = await Promise.allSettled([
      cri.client.unary('snapshots', 'Prepare', { snapshotter: SNAPSHOTTER, key: id, parent: image.topChainId, labels: {} }),
      cri.store.create('sandbox', {
        id, image: imageName, spec, snapshotKey: id, meta, runtime,
        labels: { ...config.labels, 'io.runts.cri.name': name },
      }),
    ]);
    if (prepared.status === 'fulfilled') undo.push(() => cri.client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: id }));
    if (recorded.status === 'fulfilled') undo.push(() => cri.store.remove(id));
    if (prepared.status === 'rejected') throw prepared.reason;
    if (recorded.status === 'rejected') throw recorded.reason;
    const { mounts } = prepared.value;
    const task = (async () => {
      await cri.client.unary('tasks', 'Create', { container_id: id, rootfs: mounts, stdin: '', stdout: '', stderr: '', terminal: false });
      undo.push(() => cri.deleteTask(id));
      if (ShimGroups.isKeptWarm(shimGroup)) shims.keepWhenIdle(CRI_NAMESPACE, id);
      await cri.client.unary('tasks', 'Start', { container_id: id, exec_id: '' });
    })();
    // the pod's IP goes into its record (and /etc/hosts) while the task is still starting
    const addressed = networking.then(async () => {
      if (!meta.ip) return;
      addPodHostsEntry(meta.dir, config.hostname, meta.ip);
      await cri.store.updateMeta(id, meta);
    });
    // both settle before either's failure is handled: the undo steps need the network's result
    const [net, started] = await Promise.allSettled([addressed, task]);
    if (net.status === 'rejected') throw net.reason; // a plugin's error explains a failed task too
    if (started.status === 'rejected') throw started.reason;
    cri.emit(id, id, 'CONTAINER_CREATED_EVENT');
    cri.emit(id, id, 'CONTAINER_STARTED_EVENT');
    return id;
  } catch (err) {
    await networking.catch(() => undefined);
    for (const step of undo.reverse()) {
      await step().catch((e) => cri.deps.log.warn('undoing a failed RunPodSandbox', { id, error: String(e) }));
    }
    throw asStatus(err);
  }
}

export async function stopPodSandbox(cri: CriPlugin, id: string): Promise<void> {
  const sandbox = await cri.store.get<SandboxMeta>('sandbox', id);
  const containers = (await cri.store.list<ContainerMeta>('container')).filter((c) => c.meta.sandboxId === sandbox.id);
  await Promise.all(containers.map(async (c) => {
    await cri.stopTask(c.id, 9, 0);
    await cri.finishContainer(c.id);
  }));
  // the CNI DEL and the pause task's end are independent: they overlap
  const pause = (async () => {
    await cri.stopTask(sandbox.id, 9, 0);
    await cri.deleteTask(sandbox.id);
  })();
  const network = sandbox.meta.network || sandbox.meta.netns
    ? detachNetwork(cri.network, sandbox.id, sandbox.meta.network || undefined)
    : Promise.resolve();
  const [ended, detached] = await Promise.allSettled([pause, network]);
  if (ended.status === 'rejected') throw ended.reason;
  cri.shimGroups.release(sandbox.id);
  if (detached.status === 'rejected') throw asStatus(detached.reason);
  if (!sandbox.meta.stopped) {
    sandbox.meta.stopped = true;
    await cri.store.updateMeta(sandbox.id, sandbox.meta);
    cri.emit(sandbox.id, sandbox.id, 'CONTAINER_STOPPED_EVENT');
  }
}

export async function removePodSandbox(cri: CriPlugin, id: string): Promise<void> {
  const sandbox = await cri.store.find<SandboxMeta>('sandbox', id);
  if (!sandbox) return;
  // a recorded stop came after its containers, pause task and network were gone
  if (!sandbox.meta.stopped) await stopPodSandbox(cri, sandbox.id);
  for (const c of (await cri.store.list<ContainerMeta>('container')).filter((r) => r.meta.sandboxId === sandbox.id)) {
    await removeContainer(cri, c.id);
  }
  try {
    await cri.client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: sandbox.id });
  } catch (err) {
    if (!hasCode(err, 'NOT_FOUND')) throw asStatus(err);
  }
  await cri.store.remove(sandbox.id);
  fs.rmSync(sandbox.meta.dir, { recursive: true, force: true });
  cri.emit(sandbox.id, sandbox.id, 'CONTAINER_DELETED_EVENT');
}

export async function sandboxReady(cri: CriPlugin, s: CriRecord<SandboxMeta>): Promise<boolean> {
  if (s.meta.stopped) return false;
  return (await cri.taskState(s.id))?.status === 'RUNNING';
}

export function podSandboxMessage(s: CriRecord<SandboxMeta>, ready: boolean): Message {
  const { 'io.runts.cri.name': _, 'io.cri-containerd.kind': __, ...labels } = s.labels;
  return {
    id: s.id,
    metadata: s.meta.config.metadata,
    state: ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    created_at: nanos(s.meta.createdAt),
    labels,
    annotations: s.meta.config.annotations ?? {},
    runtime_handler: '',
  };
}

export async function podSandboxStatus(cri: CriPlugin, id: string, verbose: boolean): Promise<Message> {
  const s = await cri.store.get<SandboxMeta>('sandbox', id);
  const ready = await sandboxReady(cri, s);
  const nsOptions = s.meta.config.linux?.security_context?.namespace_options ?? { network: 'POD', pid: 'CONTAINER', ipc: 'POD' };
  const status = {
    ...podSandboxMessage(s, ready),
    network: { ip: ready ? s.meta.ip : '', additional_ips: [] },
    linux: { namespaces: { options: nsOptions } },
  };
  const info: Record<string, string> = {};
  if (verbose) {
    const task = await cri.taskState(s.id);
    info.info = JSON.stringify({
      pid: task?.pid ?? 0, netNamespacePath: s.meta.netns, cniNetwork: s.meta.network, image: s.image,
      config: s.meta.config, runtimeSpec: await cri.store.spec(s.id),
    });
  }
  return { status, info, timestamp: Date.now() * 1e6 };
}

export async function listPodSandbox(cri: CriPlugin, filter: Message | null): Promise<Message[]> {
  const all = await cri.store.list<SandboxMeta>('sandbox');
  const out: Message[] = [];
  for (const s of all) {
    if (filter?.id && !s.id.startsWith(filter.id)) continue;
    const msg = podSandboxMessage(s, await sandboxReady(cri, s));
    if (filter?.state && filter.state.state !== msg.state) continue;
    if (filter?.label_selector && Object.entries(filter.label_selector).some(([k, v]) => msg.labels[k] !== v)) continue;
    out.push(msg);
  }
  return out;
}
