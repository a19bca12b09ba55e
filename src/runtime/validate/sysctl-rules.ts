// runc's sysctl rule: a key may only be set when the container has its own instance of the
// namespace the key belongs to; anything else would change the host.
import * as fs from 'fs';
import { Spec } from '../../foundation/spec-types';
import { Namespaces } from './namespaces';
import { pointer, Violation, violation } from './pointer';

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

export function checkSysctls(spec: Spec, ns: Namespaces): Violation | undefined {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const rule = sysctlRule(key.replace(/\//g, '.'), ns);
    if (rule) return violation(pointer('linux', 'sysctl', key), rule);
  }
  return undefined;
}

function sysctlRule(name: string, ns: Namespaces): string | undefined {
  if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) {
    return ns.has('ipc') ? undefined : 'requires an ipc namespace (not allowed in the host\'s)';
  }
  if (name.startsWith('net.')) {
    if (!ns.has('network')) return 'requires a network namespace (not allowed in the host\'s)';
    const joined = ns.pathOf('network');
    return joined && isHostNetworkNamespace(joined) ? `not allowed: ${joined} is the host's network namespace` : undefined;
  }
  if (name === 'kernel.hostname' || name === 'kernel.domainname') {
    if (!ns.has('uts')) return 'requires a uts namespace (not allowed in the host\'s)';
    return name === 'kernel.hostname' ? 'conflicts with the "hostname" field: set that instead' : undefined;
  }
  return 'is not in a separate kernel namespace, so it cannot be set per container';
}

function isHostNetworkNamespace(nsPath: string): boolean {
  try {
    const joined = fs.statSync(nsPath);
    const host = fs.statSync('/proc/self/ns/net');
    return joined.dev === host.dev && joined.ino === host.ino;
  } catch {
    return false; // a missing path is reported when the namespace is joined
  }
}
