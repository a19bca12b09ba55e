// Version, Status and RuntimeConfig: who answers, whether it can run pods (RuntimeReady) and
// network them (NetworkReady, false with a reason while the CNI conf dir has no config list),
// and the cgroup driver kubelet must match (cgroupfs).
import { runtsVersion } from '../version/service';
import { CriPlugin } from './plugin';
import { Message } from './store';

export const CRI_API_VERSION = 'v1';

export function version(): Message {
  return { version: '0.1.0', runtime_name: 'runts', runtime_version: runtsVersion(), runtime_api_version: CRI_API_VERSION };
}

export function status(cri: CriPlugin, verbose: boolean): Message {
  const network = cri.defaultNetwork();
  const conditions = [
    { type: 'RuntimeReady', status: true, reason: '', message: '' },
    network
      ? { type: 'NetworkReady', status: true, reason: '', message: '' }
      : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: `cni config not initialized: no network config list in ${cri.network.confDir}` },
  ];
  const info: Record<string, string> = {};
  if (verbose) {
    info.config = JSON.stringify({ ...cri.config, sandboxImage: cri.config.sandboxImage || '(built in: runts-pause)' });
    info.cniconfig = JSON.stringify({ network: network?.name ?? '', confDir: cri.network.confDir, binDirs: cri.config.cniBinDirs });
  }
  return { status: { conditions }, info, runtime_handlers: [{ name: '', features: { recursive_read_only_mounts: false, user_namespaces: false } }], features: null };
}

export function runtimeConfig(): Message {
  return { linux: { cgroup_driver: 'CGROUPFS' } };
}
