// Rules tying config fields to the namespaces that make them meaningful (runc's validator
// rules, stated per field).
import { Spec } from '../../foundation/spec-types';
import { Namespaces } from './namespaces';
import { Violation, violation } from './pointer';

export function checkNamespaceList(spec: Spec): Violation | undefined {
  const seen = new Set<string>();
  for (const [i, ns] of (spec.linux?.namespaces ?? []).entries()) {
    if (seen.has(ns.type)) return violation(`/linux/namespaces/${i}/type`, `duplicate namespace type ${JSON.stringify(ns.type)}`);
    seen.add(ns.type);
    if (ns.path !== undefined && !ns.path.startsWith('/')) {
      return violation(`/linux/namespaces/${i}/path`, `must be an absolute path, got ${JSON.stringify(ns.path)}`);
    }
  }
  return undefined;
}

export function checkUserMappings(spec: Spec, ns: Namespaces): Violation | undefined {
  const linux = spec.linux ?? {};
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const mappings = linux[field];
    if (ns.isNew('user') && !mappings?.length) {
      return violation(`/linux/${field}`, 'required (non-empty) when a new user namespace is created');
    }
    if (!ns.has('user') && mappings?.length) {
      return violation(`/linux/${field}`, 'set, but linux.namespaces has no user namespace');
    }
  }
  return undefined;
}

export function checkUtsFields(spec: Spec, ns: Namespaces): Violation | undefined {
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field] && !ns.has('uts')) {
      return violation(`/${field}`, `cannot be set without a uts namespace (add {"type": "uts"} to linux.namespaces)`);
    }
  }
  return undefined;
}

export function checkTimeOffsets(spec: Spec, ns: Namespaces): Violation | undefined {
  const offsets = spec.linux?.timeOffsets;
  if (offsets && Object.keys(offsets).length > 0 && !ns.isNew('time')) {
    return violation('/linux/timeOffsets', 'requires a new time namespace (a {"type": "time"} entry without path)');
  }
  return undefined;
}

// Masking and read-only remounts change the mount table: without a private one they would
// apply to the host.
export function checkPathRestrictions(spec: Spec, ns: Namespaces): Violation | undefined {
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    const paths = spec.linux?.[field] ?? [];
    for (const [i, p] of paths.entries()) {
      if (!p.startsWith('/')) return violation(`/linux/${field}/${i}`, `must be an absolute path, got ${JSON.stringify(p)}`);
    }
    if (paths.length > 0 && !ns.has('mount')) return violation(`/linux/${field}`, 'requires a mount namespace');
  }
  // runc would remount the host's mount holding the rootfs read-only.
  if (spec.root?.readonly && !ns.has('mount')) return violation('/root/readonly', 'requires a mount namespace');
  return undefined;
}
