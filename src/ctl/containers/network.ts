// runtsctl's side of networking: which --network values mean CNI, the host-port checks docker
// makes before publishing, the files a bridged container gets in /etc, and the sweep of
// attachments whose container is gone (left by a killed runtsctl or a crash).
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Client } from '../../client/client';
import { sweepStale } from '../../network/attach';
import { PortMapping, portsClash } from '../../network/ports';
import { RuntsError, systemError } from '../../foundation/errors';
import { NetworkConfList, loadNetwork } from '../../network/cni/config';
import { ContainerInfo } from './labels';
import { ContainerArgs, attachmentId, networkEnv } from './settings';
import { listContainers, taskState } from './lookup';

export const DEFAULT_NETWORK = 'bridge';
const DEFAULT_CONFLIST = path.resolve(__dirname, '..', '..', '..', 'examples', 'cni', '90-runts-bridge.conflist');

/**
 * The network's config list; the default network is written into the conf dir when no file
 * defines it (as nerdctl does with its own), so `-p` works on a fresh machine.
 */
export function networkConfig(confDir: string, network: string): NetworkConfList {
  try {
    return loadNetwork(confDir, network);
  } catch (err) {
    if (network !== DEFAULT_NETWORK || (err as RuntsError).kind !== 'not-found') throw err;
  }
  try {
    fs.mkdirSync(confDir, { recursive: true, mode: 0o755 });
    fs.copyFileSync(DEFAULT_CONFLIST, path.join(confDir, path.basename(DEFAULT_CONFLIST)), fs.constants.COPYFILE_EXCL);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw systemError(`install the default network in ${confDir}`, err);
  }
  return loadNetwork(confDir, network);
}

/** A network made by CNI plugins (not host, not none). */
export const isCniNetwork = (network: string) => network !== 'host' && network !== 'none';
/** The CNI network to attach, undefined for none (lo only); host gets no namespace at all. */
export const cniNetworkOf = (network: string) => (isCniNetwork(network) ? network : undefined);

const portTaken = (p: PortMapping) => new RuntsError(`Bind for ${p.hostIP || '0.0.0.0'}:${p.hostPort} failed: port is already allocated`, 'exists');

/** Free on the host right now: nothing else listens there (docker's proxy would fail the same way). */
function bindable(p: PortMapping): Promise<boolean> {
  return new Promise((resolve) => {
    if (p.protocol === 'udp') {
      const s = dgram.createSocket(p.hostIP.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => resolve(false));
      s.bind(p.hostPort, p.hostIP || undefined, () => s.close(() => resolve(true)));
      return;
    }
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port: p.hostPort, host: p.hostIP || undefined, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function checkPortsFree(client: Client, all: ContainerInfo[], ports: PortMapping[]): Promise<void> {
  for (const [i, p] of ports.entries()) {
    if (ports.slice(0, i).some((q) => portsClash(p, q))) throw portTaken(p);
  }
  for (const c of all) {
    const clash = ports.find((p) => c.ports.some((q) => portsClash(p, q)));
    if (clash && ['RUNNING', 'CREATED', 'PAUSED'].includes((await taskState(client, c.id)).status)) throw portTaken(clash);
  }
  for (const p of ports) if (!(await bindable(p))) throw portTaken(p);
}

/**
 * Attachments in this namespace whose container runtsd no longer has. A `run` makes its record
 * before its namespace, so what existed before the listing of records and is not in it is stale;
 * anything newer counts as live.
 */
export async function sweepNetworks(client: Client, args: ContainerArgs): Promise<void> {
  const env = networkEnv(args);
  const before = new Set([...env.netns.list(), ...env.cni.cache.list().map((e) => e.containerId)]);
  const live = new Set((await listContainers(client)).map((c) => attachmentId(args.namespace, c.id)));
  const prefix = attachmentId(args.namespace, '');
  const ours = (id: string) => id.startsWith(prefix) && /^[0-9a-f]{64}$/.test(id.slice(prefix.length));
  const { failed } = await sweepStale(env, (id) => !before.has(id) || !ours(id) || live.has(id));
  // not this command's failure: say it, and leave the attachment for the next sweep
  for (const f of failed) process.stderr.write(`runtsctl: warning: cleaning up the stale network of ${f.id}: ${f.error}\n`);
}

export function writeEtcFiles(dir: string, hostname: string, ip: string) {
  const files = { hosts: path.join(dir, 'hosts'), hostname: path.join(dir, 'hostname'), resolvConf: path.join(dir, 'resolv.conf') };
  fs.writeFileSync(files.hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip ? `${ip}\t${hostname}\n` : ''}`);
  fs.writeFileSync(files.hostname, `${hostname}\n`);
  let resolv = '';
  try {
    resolv = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolver on the host: the container gets none either
  }
  // A loopback resolver (systemd-resolved's stub) is unreachable from another namespace.
  fs.writeFileSync(files.resolvConf, /nameserver\s+127\./.test(resolv) ? 'nameserver 8.8.8.8\n' : resolv);
  return files;
}
