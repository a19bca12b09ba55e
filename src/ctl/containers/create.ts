// `run` up to a started task: checks that fail before anything exists (image, name, ports,
// network config), then the record, snapshot, network and task, each undone if a later step
// fails so a failed run leaves nothing.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { Client } from '../../client/client';
import { attachNetwork } from '../../network/attach';
import { PortMapping, parsePublish } from '../../network/ports';
import { RuntsError, invalid } from '../../foundation/errors';
import { resolveImage } from './image';
import { ContainerInfo, LABEL, containerInfo } from './labels';
import { listContainers } from './lookup';
import { checkPortsFree, cniNetworkOf, isCniNetwork, networkConfig, sweepNetworks, writeEtcFiles } from './network';
import { teardownResources } from './remove';
import { ContainerArgs, RUNTIME, SNAPSHOTTER, attachmentId, containerDir, networkEnv } from './settings';
import { containerSpec, parseEnv, parseVolume } from './spec';

export interface RunOptions {
  image: string;
  command: string[];
  name?: string;
  env: string[];
  volumes: string[];
  publish: string[];
  network: string;
  terminal: boolean;
}

export interface Stdio {
  stdin: string;
  stdout: string;
  stderr: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const SPEC_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';

/** Record, snapshot, network, /etc files: everything but the task. */
export async function createContainer(client: Client, args: ContainerArgs, o: RunOptions): Promise<ContainerInfo> {
  const ports: PortMapping[] = o.publish.map(parsePublish);
  const volumes = o.volumes.map(parseVolume);
  const env = parseEnv(o.env, process.env);
  if (o.name !== undefined && !NAME.test(o.name)) throw invalid(`Invalid container name (${o.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (!isCniNetwork(o.network) && ports.length > 0) throw invalid(`published ports need a CNI network, not --network ${o.network}`);
  for (const v of volumes) if (!fs.existsSync(v.source)) throw invalid(`invalid volume specification: host path ${v.source} does not exist`);
  const image = await resolveImage(client, o.image);
  if (isCniNetwork(o.network)) networkConfig(args['cni-netconfpath'], o.network);

  const all = await listContainers(client);
  const taken = o.name !== undefined ? all.find((c) => c.name === o.name) : undefined;
  if (taken) {
    throw new RuntsError(`Conflict. The container name "/${o.name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`, 'exists');
  }
  await checkPortsFree(client, all, ports);
  if (o.network !== 'host') await sweepNetworks(client, args);

  const id = randomBytes(32).toString('hex');
  const name = o.name ?? `${image.name.split('/').pop()!.split(/[:@]/)[0]}-${id.slice(0, 5)}`;
  const hostname = id.slice(0, 12);
  const dir = containerDir(args, id);
  const netnsPath = o.network !== 'host' ? networkEnv(args).netns.pathOf(attachmentId(args.namespace, id)) : undefined;
  const spec = containerSpec({
    id, namespace: args.namespace, hostname, image: image.config, command: o.command, env, volumes, terminal: o.terminal,
    netns: o.network === 'host' ? 'host' : netnsPath,
    etcFiles: o.network === 'host' ? undefined : { hosts: `${dir}/hosts`, hostname: `${dir}/hostname`, resolvConf: `${dir}/resolv.conf` },
  });
  const labels: Record<string, string> = { [LABEL.name]: name, [LABEL.network]: o.network, [LABEL.ports]: JSON.stringify(ports) };

  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await client.unary('snapshots', 'Prepare', { snapshotter: SNAPSHOTTER, key: id, parent: image.topChainId, labels: {} });
    const { container } = await client.unary('containers', 'Create', {
      container: {
        id, labels, image: image.name, runtime: { name: RUNTIME }, snapshotter: SNAPSHOTTER, snapshot_key: id,
        spec: { type_url: SPEC_TYPE, value: Buffer.from(JSON.stringify(spec)) },
      },
    });
    let info = containerInfo(container);
    if (o.network !== 'host') {
      const net = await attachNetwork(networkEnv(args), attachmentId(args.namespace, id), cniNetworkOf(o.network), ports);
      const update = { [LABEL.ip]: net.ip, [LABEL.gateway]: net.gateway, [LABEL.prefixLength]: String(net.prefixLength), [LABEL.mac]: net.mac };
      const updated = await client.unary('containers', 'Update', {
        container: { id, labels: update }, update_mask: { paths: Object.keys(update).map((k) => `labels.${k}`) },
      });
      info = containerInfo(updated.container);
    }
    if (o.network !== 'host') writeEtcFiles(dir, hostname, info.ip);
    return info;
  } catch (err) {
    await teardownResources(client, args, id, o.network).catch(() => undefined);
    throw err;
  }
}

/** The task, with the given stdio; the container's rootfs is its prepared snapshot. */
export async function createTask(client: Client, c: ContainerInfo, stdio: Stdio, terminal: boolean): Promise<void> {
  const { mounts } = await client.unary('snapshots', 'Mounts', { snapshotter: SNAPSHOTTER, key: c.id });
  await client.unary('tasks', 'Create', {
    container_id: c.id, rootfs: mounts, stdin: stdio.stdin, stdout: stdio.stdout, stderr: stdio.stderr, terminal,
  });
}
