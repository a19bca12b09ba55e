// mount(8)-style options as mount(2) flags and data, and the calls containerd's mount.Mount
// makes with them (mount/mount_linux.go): the mount without propagation flags, then the
// propagation change, then a read-only remount of a bind mount (a bind ignores MS_RDONLY).
// Options only mount(8) understands (loop devices, x-* and fstab-only ones) are not parsed here:
// their mounts go through mount(8).
import * as native from '../native';
import { systemError } from '../foundation/errors';

const MS_RDONLY = 0x1;
const MS_NOSUID = 0x2;
const MS_NODEV = 0x4;
const MS_NOEXEC = 0x8;
const MS_SYNCHRONOUS = 0x10;
const MS_REMOUNT = 0x20;
const MS_MANDLOCK = 0x40;
const MS_DIRSYNC = 0x80;
const MS_NOATIME = 0x400;
const MS_NODIRATIME = 0x800;
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_UNBINDABLE = 0x20000;
const MS_PRIVATE = 0x40000;
const MS_SLAVE = 0x80000;
const MS_SHARED = 0x100000;
const MS_RELATIME = 0x200000;
const MS_STRICTATIME = 0x1000000;
const PROPAGATION = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

/** containerd's table: [clears, flag] per option. */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  async: [true, MS_SYNCHRONOUS],
  atime: [true, MS_NOATIME],
  bind: [false, MS_BIND],
  defaults: [false, 0],
  dev: [true, MS_NODEV],
  diratime: [true, MS_NODIRATIME],
  dirsync: [false, MS_DIRSYNC],
  exec: [true, MS_NOEXEC],
  mand: [false, MS_MANDLOCK],
  noatime: [false, MS_NOATIME],
  nodev: [false, MS_NODEV],
  nodiratime: [false, MS_NODIRATIME],
  noexec: [false, MS_NOEXEC],
  nomand: [true, MS_MANDLOCK],
  norelatime: [true, MS_RELATIME],
  nostrictatime: [true, MS_STRICTATIME],
  nosuid: [false, MS_NOSUID],
  rbind: [false, MS_BIND | MS_REC],
  relatime: [false, MS_RELATIME],
  remount: [false, MS_REMOUNT],
  ro: [false, MS_RDONLY],
  rw: [true, MS_RDONLY],
  strictatime: [false, MS_STRICTATIME],
  suid: [true, MS_NOSUID],
  sync: [false, MS_SYNCHRONOUS],
  private: [false, MS_PRIVATE],
  rprivate: [false, MS_PRIVATE | MS_REC],
  shared: [false, MS_SHARED],
  rshared: [false, MS_SHARED | MS_REC],
  slave: [false, MS_SLAVE],
  rslave: [false, MS_SLAVE | MS_REC],
  unbindable: [false, MS_UNBINDABLE],
  runbindable: [false, MS_UNBINDABLE | MS_REC],
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
  if (!(flags & MS_REMOUNT) || data) call(source, type, plain, data);
  try {
    if (flags & PROPAGATION) call('', '', flags & (PROPAGATION | MS_REC), '');
    if ((plain & (MS_BIND | MS_RDONLY)) === (MS_BIND | MS_RDONLY)) call('', '', plain | MS_REMOUNT, '');
  } catch (err) {
    if (!(flags & MS_REMOUNT)) native.unmount(target);
    throw err;
  }
}
