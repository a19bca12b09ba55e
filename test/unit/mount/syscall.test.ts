// mount(8)-style options to mount(2) flags and data, as containerd's parseMountOptions reads them.
import { mountFlagsOf } from '../../../src/mount/syscall';

const MS_RDONLY = 0x1;
const MS_NOSUID = 0x2;
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_PRIVATE = 0x40000;

test('flag options become flags, the rest data in order', () => {
  expect(mountFlagsOf(['index=off', 'workdir=/w', 'upperdir=/u', 'lowerdir=/a:/b'])).toEqual({ flags: 0, data: 'index=off,workdir=/w,upperdir=/u,lowerdir=/a:/b' });
  expect(mountFlagsOf(['rbind', 'ro', 'nosuid'])).toEqual({ flags: MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID, data: '' });
});

test('a later option clears what an earlier one set', () => {
  expect(mountFlagsOf(['ro', 'rw', 'rprivate'])).toEqual({ flags: MS_PRIVATE | MS_REC, data: '' });
});

test('options only mount(8) understands leave the mount to it', () => {
  for (const option of ['loop', 'x-systemd.automount', 'nofail', 'noauto']) expect(mountFlagsOf(['ro', option])).toBeUndefined();
});
