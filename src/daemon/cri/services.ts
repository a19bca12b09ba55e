// runtime.v1 RuntimeService and ImageService on runtsd's socket, beside the containerd API, as
// containerd's CRI plugin serves them. Each RPC is a thin adapter over the plugin's files; the
// parts runtsd does not implement answer UNIMPLEMENTED with what is missing, never success.
import * as grpc from '@grpc/grpc-js';
import { Deps, GrpcStatusError, failStream, unary } from '../deps';
import { ServiceRegistration } from '../registration';
import { imageDefinition, runtimeDefinition } from './registrations';
import { CriPlugin, criPluginFor } from './plugin';
import { ContainerMeta, Message, SandboxMeta, notFoundStatus } from './store';
import { listPodSandbox, podSandboxStatus, removePodSandbox, runPodSandbox, sandboxReady, stopPodSandbox } from './sandboxes';
import {
  containerStatus, createContainer, listContainers, removeContainer, reopenContainerLog, startContainer, stateOf, stopContainer,
  updateContainerResources,
} from './containers';
import { execSync } from './exec-sync';
import { execStream } from './exec-stream';
import { attachStream } from './attach-stream';
import { forwardPort } from './port-forward';
import { portForward } from './streaming/portforward';
import { StreamOptions, remoteCommand } from './streaming/remotecommand';
import { containerStats, diskUsage, podSandboxStats, snapshotterRoot } from './stats';
import { runtimeConfig, status, version } from './runtime-info';
import { criImageMessage } from './images';

type Call = grpc.ServerUnaryCall<Message, unknown>;

/** Each event with the pod's status and its containers' statuses as they are when it is sent. */
function streamContainerEvents(cri: CriPlugin, call: grpc.ServerWritableStream<Message, unknown>): void {
  // events are sent in order: each waits for the statuses of the one before
  let chain = Promise.resolve();
  const unsubscribe = cri.onContainerEvent((e) => {
    chain = chain.then(async () => {
      const pod = await podSandboxStatus(cri, e.sandboxId, false).catch(() => undefined);
      const containers = (await cri.store.list<ContainerMeta>('container')).filter((c) => c.meta.sandboxId === e.sandboxId);
      const statuses = await Promise.all(containers.map((c) => containerStatus(cri, c.id, false).then((s) => s.status).catch(() => undefined)));
      call.write({
        container_id: e.id, container_event_type: e.type, created_at: e.at,
        pod_sandbox_status: pod?.status ?? null, containers_statuses: statuses.filter((s) => s !== undefined),
      });
    }).catch((err) => failStream(call, err));
  });
  call.on('cancelled', unsubscribe);
  call.on('close', unsubscribe);
}

/** The channels an Exec or Attach asks for, checked as kubelet checks them. */
function streamOptions(call: string, r: Message): StreamOptions {
  if (!r.stdin && !r.stdout && !r.stderr) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `${call} needs one of stdin, stdout or stderr`);
  if (r.tty && r.stderr) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `${call}: tty and stderr cannot both be set (a terminal has one output)`);
  return { stdin: Boolean(r.stdin), stdout: Boolean(r.stdout), stderr: Boolean(r.stderr), tty: Boolean(r.tty) };
}

async function runningContainer(cri: CriPlugin, id: string) {
  const c = await cri.store.get<ContainerMeta>('container', id);
  if ((await stateOf(cri, c)) !== 'CONTAINER_RUNNING') throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `container ${c.id} is not running`);
  return c;
}

const streamError = (cri: CriPlugin) => (err: unknown) => cri.deps.log.warn('streaming session failed', { error: String(err) });

const unimplemented = (what: string) => () => {
  throw new GrpcStatusError(grpc.status.UNIMPLEMENTED, `${what} is not implemented by runtsd`);
};

/** A unary CRI handler: waits for the plugin's recovery, maps errors to statuses. */
function handlers(deps: Deps, table: Record<string, (cri: CriPlugin, request: Message) => Promise<Message> | Message>) {
  const cri = criPluginFor(deps);
  return Object.fromEntries(Object.entries(table).map(([name, fn]) => [name, unary(deps.log, async (call: Call) => {
    await cri.ready();
    return fn(cri, call.request);
  })]));
}

export const criRuntimeService: ServiceRegistration = {
  name: 'cri',
  definition: runtimeDefinition,
  serving: (deps) => criPluginFor(deps).serving(),
  implementation: (deps) => ({
    ...handlers(deps, {
      Version: () => version(),
      Status: (cri, r) => status(cri, r.verbose),
      RuntimeConfig: () => runtimeConfig(),
      UpdateRuntimeConfig: (cri, r) => {
        // containerd only templates a CNI config from the pod CIDR; runtsd takes the conf dir as is.
        if (r.runtime_config?.network_config?.pod_cidr) cri.deps.log.info('pod CIDR from kubelet noted (the CNI conf dir decides addresses)', { podCidr: r.runtime_config.network_config.pod_cidr });
        return {};
      },
      RunPodSandbox: async (cri, r) => ({ pod_sandbox_id: await runPodSandbox(cri, r) }),
      StopPodSandbox: async (cri, r) => { await stopPodSandbox(cri, r.pod_sandbox_id); return {}; },
      RemovePodSandbox: async (cri, r) => { await removePodSandbox(cri, r.pod_sandbox_id); return {}; },
      PodSandboxStatus: (cri, r) => podSandboxStatus(cri, r.pod_sandbox_id, r.verbose),
      ListPodSandbox: async (cri, r) => ({ items: await listPodSandbox(cri, r.filter) }),
      CreateContainer: async (cri, r) => ({ container_id: await createContainer(cri, r) }),
      StartContainer: async (cri, r) => { await startContainer(cri, r.container_id); return {}; },
      StopContainer: async (cri, r) => { await stopContainer(cri, r.container_id, Number(r.timeout)); return {}; },
      RemoveContainer: async (cri, r) => { await removeContainer(cri, r.container_id); return {}; },
      ListContainers: async (cri, r) => ({ containers: await listContainers(cri, r.filter) }),
      ContainerStatus: (cri, r) => containerStatus(cri, r.container_id, r.verbose),
      UpdateContainerResources: async (cri, r) => { await updateContainerResources(cri, r.container_id, r.linux); return {}; },
      ReopenContainerLog: async (cri, r) => { await reopenContainerLog(cri, r.container_id); return {}; },
      ExecSync: (cri, r) => execSync(cri, r),
      ContainerStats: async (cri, r) => ({ stats: await containerStats(cri, await cri.store.get<ContainerMeta>('container', r.container_id)) }),
      ListContainerStats: async (cri, r) => {
        const f = r.filter;
        const all = (await cri.store.list<ContainerMeta>('container')).filter((c) => (!f?.id || c.id.startsWith(f.id))
          && (!f?.pod_sandbox_id || c.meta.sandboxId.startsWith(f.pod_sandbox_id))
          && (!f?.label_selector || Object.entries(f.label_selector).every(([k, v]) => c.labels[k] === v)));
        return { stats: await Promise.all(all.map((c) => containerStats(cri, c))) };
      },
      PodSandboxStats: async (cri, r) => ({ stats: await podSandboxStats(cri, await cri.store.get<SandboxMeta>('sandbox', r.pod_sandbox_id)) }),
      ListPodSandboxStats: async (cri, r) => {
        const f = r.filter;
        const all = (await cri.store.list<SandboxMeta>('sandbox')).filter((s) => (!f?.id || s.id.startsWith(f.id))
          && (!f?.label_selector || Object.entries(f.label_selector).every(([k, v]) => s.labels[k] === v)));
        return { stats: await Promise.all(all.map((s) => podSandboxStats(cri, s))) };
      },
      Exec: async (cri, r) => {
        const cmd: string[] = r.cmd ?? [];
        if (cmd.length === 0) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, 'Exec needs a command');
        const options = streamOptions('Exec', r);
        const c = await runningContainer(cri, r.container_id);
        const endpoint = remoteCommand(options, (channels) => execStream(cri, c.id, cmd, options.tty, channels), streamError(cri));
        return { url: await cri.streaming.url('exec', endpoint) };
      },
      Attach: async (cri, r) => {
        const options = streamOptions('Attach', r);
        const c = await runningContainer(cri, r.container_id);
        if (options.stdin && !c.meta.config.stdin) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `Attach: container ${c.id} was not created with stdin`);
        if (options.tty && !c.meta.config.tty) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `Attach: container ${c.id} has no tty`);
        const endpoint = remoteCommand(options, (channels) => attachStream(cri, c.meta, channels), streamError(cri));
        return { url: await cri.streaming.url('attach', endpoint) };
      },
      PortForward: async (cri, r) => {
        const sandbox = await cri.store.get<SandboxMeta>('sandbox', r.pod_sandbox_id);
        if (!(await sandboxReady(cri, sandbox))) throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `pod sandbox ${sandbox.id} is not ready`);
        return { url: await cri.streaming.url('portforward', portForward((pair, closed) => forwardPort(sandbox.meta, pair, closed), (r.port ?? []).map(Number))) };
      },
      CheckpointContainer: unimplemented('CheckpointContainer (checkpointing)'),
      ListMetricDescriptors: unimplemented('ListMetricDescriptors'),
      ListPodSandboxMetrics: unimplemented('ListPodSandboxMetrics'),
      UpdatePodSandboxResources: unimplemented('UpdatePodSandboxResources'),
    }),
    GetContainerEvents: (call: grpc.ServerWritableStream<Message, unknown>) => streamContainerEvents(criPluginFor(deps), call),
  }),
};

export const criImageService: ServiceRegistration = {
  name: 'cri-images',
  definition: imageDefinition,
  implementation: (deps) => handlers(deps, {
    ListImages: async (cri, r) => {
      const want = r.filter?.image?.image;
      let images = await cri.images.list();
      if (want) {
        const one = await cri.images.find(want);
        images = one ? [one] : [];
      }
      return { images: images.map(criImageMessage) };
    },
    ImageStatus: async (cri, r) => {
      if (!r.image?.image) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, 'ImageStatus needs an image');
      const image = await cri.images.find(r.image.image);
      if (!image) return { image: null, info: {} };
      const info: Record<string, string> = r.verbose ? { info: JSON.stringify({ imageSpec: image.config, chainID: image.topChainId }) } : {};
      return { image: criImageMessage(image), info };
    },
    PullImage: async (cri, r) => {
      const ref = r.image?.image;
      if (!ref) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, 'PullImage needs an image');
      const a = r.auth;
      const auth = a ? {
        username: a.username, password: a.password, auth: a.auth, serverAddress: a.server_address,
        identityToken: a.identity_token, registryToken: a.registry_token,
      } : undefined;
      const name = await cri.puller.pull(ref, 'k8s.io', auth);
      const image = await cri.images.find(name);
      if (!image) throw notFoundStatus(`pulled ${ref} but the image is not there`);
      return { image_ref: image.id };
    },
    RemoveImage: async (cri, r) => {
      if (!r.image?.image) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, 'RemoveImage needs an image');
      const image = await cri.images.find(r.image.image);
      if (image) await cri.images.remove(image);
      return {};
    },
    ImageFsInfo: (cri) => {
      const now = Date.now() * 1e6;
      const root = snapshotterRoot(cri);
      const used = diskUsage(root);
      return {
        image_filesystems: [{ timestamp: now, fs_id: { mountpoint: root }, used_bytes: { value: used.bytes }, inodes_used: { value: used.inodes } }],
        container_filesystems: [],
      };
    },
  }),
};
