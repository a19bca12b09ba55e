// spec.mounts and linux.devices -> MOUNT / MKNOD / SYMLINK ops, in the spec's order, all
// relative to the rootfs and carried out by runts-init through fds.
import * as path from 'path';
import { invalid } from '../../foundation/errors';
import { IDMapping, LinuxDevice, Mount } from '../spec';
import { MS } from '../../mount/flags';
import { parseMountOptions } from './mount-options';
import { Op, PlanRecord } from './ops';

/** Where the container's own cgroup directories are on the host (from src/cgroups). */
export interface CgroupView {
  /** pure cgroup v2 host: one hierarchy */
  unifiedOnly: boolean;
  /** hierarchy name as seen under /sys/fs/cgroup ("cpu,cpuacct", "memory", "unified") -> host dir */
  hierarchies: { name: string; hostDir: string }[];
}

export interface MountPlanInput {
  mounts: Mount[];
  bundle: string;
  userns: boolean;
  cgroupns: boolean;
  cgroups: CgroupView;
  devices: LinuxDevice[];
  /** linux.uidMappings/gidMappings: the maps of an idmap mount that names none of its own */
  userMappings?: { uid?: IDMapping[]; gid?: IDMapping[] };
}

const enum Kind { Fs = 0, Bind = 1, RecursiveBind = 2 }

// Destinations an image must not be able to redirect with a symlink (CVE-2019-19921, CVE-2026-41579).
const NO_SYMLINK_DESTS = new Set(['/proc', '/sys', '/dev']);

function mountOp(source: string, dest: string, fstype: string, flags: number, data: string,
  propagation: number, kind: Kind, attrs: number, attrsRecursive: boolean, idmappedTree = -1): PlanRecord {
  const refuseSymlink = NO_SYMLINK_DESTS.has(dest) || fstype === 'proc' || fstype === 'sysfs';
  return { op: Op.MOUNT, args: [source, dest, fstype, flags >>> 0, data, propagation, kind, attrs, attrsRecursive ? 1 : 0, refuseSymlink ? 1 : 0, idmappedTree] };
}

const mapText = (maps: IDMapping[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');

/**
 * An id-mapped bind (mounts[].uidMappings/gidMappings, or idmap/ridmap with the container's own
 * maps): stage 1 prepares the tree with IDMAP_TREE, the MOUNT attaches it by index.
 */
function idmapOp(m: Mount, dest: string, source: string, index: number, recursive: boolean, ridmap: boolean, input: MountPlanInput): PlanRecord {
  const uid = m.uidMappings?.length ? m.uidMappings : input.userMappings?.uid;
  const gid = m.gidMappings?.length ? m.gidMappings : input.userMappings?.gid;
  if (!uid?.length || !gid?.length) {
    throw invalid(`config.json: mount ${dest}: an id-mapped mount needs uidMappings and gidMappings (on the mount, or linux.uidMappings/gidMappings of a new user namespace)`);
  }
  return { op: Op.IDMAP_TREE, args: [index, source, recursive ? 1 : 0, ridmap ? 1 : 0, mapText(uid), mapText(gid)] };
}

export function planMounts(input: MountPlanInput): PlanRecord[] {
  const ops: PlanRecord[] = [];
  let idmapped = 0;
  // A read-only /dev is mounted read-write, filled (mounts under it, devices, symlinks), and
  // remounted read-only last, as runc does.
  let devRemount: PlanRecord | undefined;
  for (const m of input.mounts) {
    const dest = path.posix.normalize(m.destination);
    if (!path.posix.isAbsolute(dest)) throw invalid(`config.json: mount destination ${m.destination} is not an absolute path`);
    const o = parseMountOptions(m.options);
    const type = m.type ?? '';
    if (type === 'cgroup' || type === 'cgroup2') {
      ops.push(...planCgroupMount(dest, o.flags, input));
      continue;
    }
    const isBind = o.bind || type === 'bind';
    const prop = o.propagation.reduce((a, b) => a | b, 0);
    if (isBind) {
      if (!m.source) throw invalid(`config.json: bind mount ${dest} has no source`);
      const source = path.resolve(input.bundle, m.source);
      const kind = o.recursive ? Kind.RecursiveBind : Kind.Bind;
      if (o.idmap !== 'none' || m.uidMappings?.length || m.gidMappings?.length) {
        ops.push(idmapOp(m, dest, source, idmapped, o.recursive, o.idmap === 'ridmap', input));
        ops.push(mountOp(source, dest, '', 0, '', prop, kind, o.attrs, o.recursiveAttrs, idmapped++));
      } else {
        ops.push(mountOp(source, dest, '', 0, '', prop, kind, o.attrs, o.recursiveAttrs));
      }
    } else if (o.idmap !== 'none' || m.uidMappings?.length) {
      throw invalid(`config.json: mount ${dest}: id-mapped mounts must be bind mounts, not ${type || 'an untyped mount'}`);
    } else {
      let flags = o.flags & ~MS.REMOUNT;
      if (dest === '/dev' && flags & MS.RDONLY) {
        flags &= ~MS.RDONLY;
        devRemount = mountOp(m.source ?? type, dest, type, flags | MS.REMOUNT | MS.RDONLY, o.data, 0, Kind.Fs, 0, false);
      }
      ops.push(mountOp(m.source ?? type, dest, type, flags, o.data, prop, Kind.Fs, 0, false));
      if (dest === '/dev/pts' && type === 'devpts') ops.push({ op: Op.SYMLINK, args: ['pts/ptmx', '/dev/ptmx'] });
    }
  }
  const devIsHostBind = input.mounts.some((m) => m.destination === '/dev' && (m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')));
  if (!devIsHostBind) ops.push(...planDevices(input.devices, input.userns), ...devSymlinks());
  if (devRemount) ops.push(devRemount);
  return ops;
}

function planCgroupMount(dest: string, flags: number, input: MountPlanInput): PlanRecord[] {
  const ro = (flags & MS.RDONLY) !== 0;
  const attrs = 0x2 | 0x4 | 0x8 | (ro ? 0x1 : 0); // nosuid nodev noexec [+ro]
  const cg = input.cgroups;
  if (cg.unifiedOnly) {
    if (input.cgroupns) return [mountOp('cgroup2', dest, 'cgroup2', flags, '', 0, Kind.Fs, 0, false)];
    return [mountOp(cg.hierarchies[0].hostDir, dest, '', 0, '', 0, Kind.RecursiveBind, attrs, false)];
  }
  const base = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const ops: PlanRecord[] = [mountOp('tmpfs', dest, 'tmpfs', base, 'mode=755', 0, Kind.Fs, 0, false)];
  for (const h of cg.hierarchies) {
    ops.push(mountOp(h.hostDir, `${dest}/${h.name}`, '', 0, '', 0, Kind.Bind, attrs, false));
    const parts = h.name.split(',');
    if (parts.length > 1) for (const p of parts) ops.push({ op: Op.SYMLINK, args: [h.name, `${dest}/${p}`] });
  }
  if (ro) ops.push(mountOp('tmpfs', dest, 'tmpfs', base | MS.REMOUNT | MS.RDONLY, 'mode=755', 0, Kind.Fs, 0, false));
  return ops;
}

const DEFAULT_DEVICES: LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
];

const S_IFMT: Record<string, number> = { c: 0o020000, u: 0o020000, b: 0o060000, p: 0o010000 };

function planDevices(specDevices: LinuxDevice[], userns: boolean): PlanRecord[] {
  const byPath = new Map<string, LinuxDevice>();
  for (const d of [...DEFAULT_DEVICES, ...specDevices]) byPath.set(d.path, d);
  const ops: PlanRecord[] = [];
  for (const d of byPath.values()) {
    const typeBits = S_IFMT[d.type];
    if (typeBits === undefined) throw invalid(`config.json: device ${d.path}: unknown type "${d.type}"`);
    const mode = d.fileMode ?? 0o666;
    if (userns) {
      // mknod is refused in a user namespace: bind the host's node instead, as runc does.
      ops.push(mountOp(d.path, d.path, '', 0, '', 0, Kind.Bind, 0, false));
    } else {
      ops.push({ op: Op.MKNOD, args: [d.path, (typeBits | (mode & 0o7777)) >>> 0, d.major ?? 0, d.minor ?? 0, d.uid ?? 0, d.gid ?? 0] });
    }
  }
  return ops;
}

function devSymlinks(): PlanRecord[] {
  return [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
    ['/proc/kcore', '/dev/core'],
  ].map(([target, dest]) => ({ op: Op.SYMLINK, args: [target, dest] }));
}
