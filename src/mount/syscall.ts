// mount(8)-style options as mount(2) flags and data, and the calls containerd's mount.Mount
// makes with them (mount/mount_linux.go): the mount without propagation flags, then the
// propagation change, then a read-only remount of a bind mount (a bind ignores MS_RDONLY).
// Options only mount(8) understands (loop devices, x-* and fstab-only ones) are not parsed here:
// their mounts go through mount(8).
import * as native from '../native';
import { systemError } from '../foundation/errors';
import { MS } from './flags';

const PROPAGATION = MS.SHARED | MS.PRIVATE | MS.SLAVE | MS.UNBINDABLE;

/** containerd's table: [clears, flag] per option. */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  mand: [false, MS.MANDLOCK],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  sync: [false, MS.SYNCHRONOUS],
  private: [false, MS.PRIVATE],
  rprivate: [false, MS.PRIVATE | MS.REC],
  shared: [false, MS.SHARED],
  rshared: [false, MS.SHARED | MS.REC],
  slave: [false, MS.SLAVE],
  rslave: [false, MS.SLAVE | MS.REC],
  unbindable: [false, MS.UNBINDABLE],
  runbindable: [false, MS.UNBINDABLE | MS.REC],
};

/** Options mount(8) acts on itself, never passed to the kernel as data. */
const MOUNT8_ONLY = /^(loop|x-|auto$|noauto$|user$|nouser$|users$|owner$|group$|nofail$|_netdev$|comment=|offset=|sizelimit=|encryption=|uhelper=|helper=|errors=remount-ro$)/;

export interface MountFlags {
  flags: number;
  data: string;
}

/** The flags and data of mount(8)-style options, or undefined when mount(8) must handle them. */
export function mountFlagsOf(options: string[]): MountFlags | undefined {
  let flags = 0;
  const data: string[] = [];
  for (const option of options) {
    const known = FLAG_OPTIONS[option];
    if (known) {
      flags = known[0] ? flags & ~known[1] : flags | known[1];
    } else if (MOUNT8_ONLY.test(option)) {
      return undefined;
    } else {
      data.push(option);
    }
  }
  return { flags, data: data.join(',') };
}

/** source on target as containerd's mount.Mount does it; on failure nothing stays mounted. */
export function mountInKernel(source: string, target: string, type: string, { flags, data }: MountFlags, what: string): void {
  const call = (src: string, fstype: string, f: number, d: string) => {
    try {
      native.mount(src, target, fstype, f, d);
    } catch (err) {
      throw systemError(what, err);
    }
  };
  const plain = flags & ~PROPAGATION;
  // a remount without data changes only flags: the propagation and read-only calls below do it
  if (!(flags & MS.REMOUNT) || data) call(source, type, plain, data);
  try {
    if (flags & PROPAGATION) call('', '', flags & (PROPAGATION | MS.REC), '');
    if ((plain & (MS.BIND | MS.RDONLY)) === (MS.BIND | MS.RDONLY)) call('', '', plain | MS.REMOUNT, '');
  } catch (err) {
    if (!(flags & MS.REMOUNT)) native.unmount(target);
    throw err;
  }
}
