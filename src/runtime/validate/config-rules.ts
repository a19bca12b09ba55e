// The checks of config.json that the schema cannot express: the namespace list first (the
// other rules read it), then roughly in document order. Each returns the first Violation it
// finds; validateConfig reports the first of all.
import { Spec } from '../../foundation/spec-types';
import { Namespaces } from './namespaces';
import { Violation, violation } from './pointer';
import { checkProcess } from './process-rules';
import {
  checkNamespaceList,
  checkPathRestrictions,
  checkTimeOffsets,
  checkUserMappings,
  checkUtsFields,
} from './namespace-rules';
import { checkSysctls } from './sysctl-rules';
import { checkSeccomp } from './seccomp-rules';
import { checkMemoryPolicy } from './memory-policy-rules';

export function checkConfig(spec: Spec): Violation | undefined {
  const ns = new Namespaces(spec.linux);
  const checks: (() => Violation | undefined)[] = [
    () => checkNamespaceList(spec),
    () => checkRoot(spec),
    () => checkMounts(spec, ns),
    () => (spec.process ? checkProcess(spec.process, '/process') : undefined),
    () => checkUtsFields(spec, ns),
    () => checkHooks(spec),
    () => checkUserMappings(spec, ns),
    () => checkTimeOffsets(spec, ns),
    () => checkDevices(spec),
    () => checkCgroupsPath(spec),
    () => checkSeccomp(spec.linux?.seccomp),
    () => checkMemoryPolicy(spec.linux?.memoryPolicy),
    () => checkSysctls(spec, ns),
    () => checkPathRestrictions(spec, ns),
  ];
  for (const check of checks) {
    const found = check();
    if (found) return found;
  }
  return undefined;
}

function checkRoot(spec: Spec): Violation | undefined {
  return spec.root ? undefined : violation('', "must have required property 'root'");
}

function checkMounts(spec: Spec, ns: Namespaces): Violation | undefined {
  for (const [i, mount] of (spec.mounts ?? []).entries()) {
    if (!mount.destination.startsWith('/')) {
      return violation(`/mounts/${i}/destination`, `must be an absolute path, got ${JSON.stringify(mount.destination)}`);
    }
    const idmapped = mount.options?.some((o) => o === 'idmap' || o === 'ridmap');
    if (idmapped && !mount.uidMappings && !ns.has('user')) {
      return violation(`/mounts/${i}/options`, 'idmap needs uidMappings and gidMappings on the mount or a user namespace');
    }
  }
  return undefined;
}

// Unknown keys in `hooks` are ignored like any unknown property, so only these are read.
const HOOK_STAGES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

function checkHooks(spec: Spec): Violation | undefined {
  for (const stage of HOOK_STAGES) {
    for (const [i, hook] of (spec.hooks?.[stage] ?? []).entries()) {
      if (!hook.path.startsWith('/')) {
        return violation(`/hooks/${stage}/${i}/path`, `must be an absolute path, got ${JSON.stringify(hook.path)}`);
      }
    }
  }
  return undefined;
}

function checkDevices(spec: Spec): Violation | undefined {
  for (const [i, device] of (spec.linux?.devices ?? []).entries()) {
    if (!device.path.startsWith('/')) {
      return violation(`/linux/devices/${i}/path`, `must be an absolute path, got ${JSON.stringify(device.path)}`);
    }
  }
  return undefined;
}

// An absolute or relative path; slice:prefix:name is the systemd driver's form (slice and prefix may be empty).
const SYSTEMD_CGROUPS_PATH = /^[^:/]*:[^:/]*:[^:/]+$/;

function checkCgroupsPath(spec: Spec): Violation | undefined {
  const cgroupsPath = spec.linux?.cgroupsPath;
  if (cgroupsPath === undefined || SYSTEMD_CGROUPS_PATH.test(cgroupsPath)) return undefined;
  // A relative path is allowed by the spec; it is resolved under the runtime's own cgroup.
  if (cgroupsPath.split('/').includes('..')) {
    return violation('/linux/cgroupsPath', `must not contain "..", got ${JSON.stringify(cgroupsPath)}`);
  }
  return undefined;
}
