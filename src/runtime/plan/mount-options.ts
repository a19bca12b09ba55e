// runc's mount option table: what becomes a mount(2) flag, a propagation change, a
// mount_setattr attribute (bind mounts) or filesystem data.

import { MOUNT_ATTR, MS } from '../../mount/flags';

const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS,
  dirsync: MS.DIRSYNC, remount: MS.REMOUNT, mand: MS.MANDLOCK, noatime: MS.NOATIME,
  nodiratime: MS.NODIRATIME, relatime: MS.RELATIME, strictatime: MS.STRICTATIME,
  nosymfollow: MS.NOSYMFOLLOW, silent: MS.SILENT, acl: MS.POSIXACL, iversion: MS.I_VERSION, lazytime: MS.LAZYTIME,
};
const CLEAR: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS,
  nomand: MS.MANDLOCK, atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME,
  nostrictatime: MS.STRICTATIME, symfollow: MS.NOSYMFOLLOW, loud: MS.SILENT, noacl: MS.POSIXACL,
  noiversion: MS.I_VERSION, nolazytime: MS.LAZYTIME,
};
const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};
const RECURSIVE_ATTR: Record<string, number> = {
  rro: MOUNT_ATTR.RDONLY, rnosuid: MOUNT_ATTR.NOSUID, rnodev: MOUNT_ATTR.NODEV, rnoexec: MOUNT_ATTR.NOEXEC,
  rnoatime: MOUNT_ATTR.NOATIME, rstrictatime: MOUNT_ATTR.STRICTATIME, rnodiratime: MOUNT_ATTR.NODIRATIME,
  rnosymfollow: MOUNT_ATTR.NOSYMFOLLOW,
};
// Recursive "clear" options: a fresh bind carries no attribute they would clear.
const NO_EFFECT = new Set(['defaults', 'rrw', 'rsuid', 'rdev', 'rexec', 'rrelatime', 'rdiratime', 'ratime', 'rsymfollow',
  'rnorelatime', 'rnostrictatime', 'tmpcopyup']);

/** Every option name runts understands, for `runts features`. */
export const KNOWN_MOUNT_OPTIONS = [
  'bind', 'rbind', 'idmap', 'ridmap', ...Object.keys(SET), ...Object.keys(CLEAR), ...Object.keys(PROPAGATION), ...Object.keys(RECURSIVE_ATTR), ...NO_EFFECT,
].sort();

export interface ParsedMountOptions {
  flags: number;
  propagation: number[];
  bind: boolean;
  recursive: boolean;
  /** MOUNT_ATTR_* bits for bind mounts */
  attrs: number;
  recursiveAttrs: boolean;
  /** idmap / ridmap: an id-mapped bind mount, ridmap also id-maps the submounts of an rbind */
  idmap: 'none' | 'idmap' | 'ridmap';
  data: string;
}

export function parseMountOptions(options: string[] = []): ParsedMountOptions {
  let flags = 0;
  let attrs = 0;
  let recursiveAttrs = false;
  const propagation: number[] = [];
  const data: string[] = [];
  let bind = false;
  let recursive = false;
  let idmap: ParsedMountOptions['idmap'] = 'none';
  for (const opt of options) {
    if (opt === 'bind') bind = true;
    else if (opt === 'rbind') bind = recursive = true;
    else if (opt in SET) flags |= SET[opt];
    else if (opt in CLEAR) flags &= ~CLEAR[opt];
    else if (opt in PROPAGATION) propagation.push(PROPAGATION[opt]);
    else if (opt in RECURSIVE_ATTR) {
      attrs |= RECURSIVE_ATTR[opt];
      recursiveAttrs = true;
    } else if (opt === 'idmap' || opt === 'ridmap') {
      idmap = opt;
    } else if (!NO_EFFECT.has(opt)) data.push(opt);
  }
  if (!recursiveAttrs) attrs = bindAttrs(flags);
  return { flags, propagation, bind, recursive, attrs, recursiveAttrs, idmap, data: data.join(',') };
}

/** The mount_setattr attributes equivalent to the MS_* flags of a bind mount. */
function bindAttrs(flags: number): number {
  let a = 0;
  if (flags & MS.RDONLY) a |= MOUNT_ATTR.RDONLY;
  if (flags & MS.NOSUID) a |= MOUNT_ATTR.NOSUID;
  if (flags & MS.NODEV) a |= MOUNT_ATTR.NODEV;
  if (flags & MS.NOEXEC) a |= MOUNT_ATTR.NOEXEC;
  if (flags & MS.NOATIME) a |= MOUNT_ATTR.NOATIME;
  if (flags & MS.NODIRATIME) a |= MOUNT_ATTR.NODIRATIME;
  if (flags & MS.STRICTATIME) a |= MOUNT_ATTR.STRICTATIME;
  if (flags & MS.NOSYMFOLLOW) a |= MOUNT_ATTR.NOSYMFOLLOW;
  return a;
}
