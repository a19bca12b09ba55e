// Where runtsctl keeps what runtsd does not: per-container files (log, hosts, resolv.conf),
// network namespace pins and the CNI results cache, under --data-root; CNI dirs from nerdctl's
// flags --cni-path and --cni-netconfpath.
import * as path from 'path';
import { Cni } from '../../network/cni/cni';
import { NetnsDir } from '../../network/netns';
import { NetworkEnv } from '../../network/attach';
import { GlobalArgs } from '../context';

export const DEFAULT_DATA_ROOT = '/var/lib/runtsctl';
export const RUNTIME = 'io.containerd.runts.v2';
export const SNAPSHOTTER = 'overlayfs';

export interface ContainerArgs extends GlobalArgs {
  'data-root': string;
  'cni-path': string;
  'cni-netconfpath': string;
}

export const containerDir = (args: ContainerArgs, id: string) => path.join(args['data-root'], 'containers', args.namespace, id);
export const logFile = (args: ContainerArgs, id: string) => path.join(containerDir(args, id), `${id}.log`);

/** One CNI attachment name per container: namespaced, so a sweep in one namespace spares others. */
export const attachmentId = (namespace: string, id: string) => `${namespace}-${id}`;

export function networkEnv(args: ContainerArgs): NetworkEnv {
  return {
    confDir: args['cni-netconfpath'],
    cni: new Cni({ binDirs: args['cni-path'].split(':'), cacheDir: path.join(args['data-root'], 'cni') }),
    netns: new NetnsDir(path.join(args['data-root'], 'netns')),
  };
}
