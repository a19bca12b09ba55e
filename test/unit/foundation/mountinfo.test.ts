import * as fs from 'fs';
import { parseMountInfo, parseMountInfoLine } from '../../../src/foundation/mountinfo';

// Lines as Debian 12's kernel writes them: no optional field, one, two, escaped paths.
const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
  '31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct',
  '90 22 0:45 / /run/containerd/io.containerd/my\\040root rw,relatime shared:50 master:1 - overlay overlay rw,lowerdir=/l\\040a,upperdir=/u,workdir=/w',
  '91 22 8:1 /var/lib/tab\\011dir /mnt/back\\134slash rw - ext4 /dev/disk\\040one rw',
  '',
].join('\n');

test('every field of a mountinfo line, paths unescaped, optional fields kept apart', () => {
  const mounts = parseMountInfo(MOUNTINFO);
  expect(mounts.map((m) => m.mountPoint)).toEqual([
    '/', '/sys/fs/cgroup', '/sys/fs/cgroup/cpu,cpuacct', '/run/containerd/io.containerd/my root', '/mnt/back\\slash',
  ]);
  expect(mounts[0]).toEqual({
    id: 22, parentId: 1, device: '8:1', root: '/', mountPoint: '/', options: ['rw', 'relatime'],
    optionalFields: ['shared:1'], fsType: 'ext4', source: '/dev/sda1', superOptions: ['rw', 'errors=remount-ro'],
  });
  expect(mounts[1].optionalFields).toEqual([]);
  expect(mounts[1].options).toEqual(['ro', 'nosuid', 'nodev', 'noexec']);
  expect(mounts[3].optionalFields).toEqual(['shared:50', 'master:1']);
  expect(mounts[3].fsType).toBe('overlay');
  expect(mounts[3].superOptions).toEqual(['rw', 'lowerdir=/l\\040a', 'upperdir=/u', 'workdir=/w']);
  expect(mounts[4].root).toBe('/var/lib/tab\tdir');
  expect(mounts[4].source).toBe('/dev/disk one');
});

test('a line that is not a mount is skipped', () => {
  expect(parseMountInfoLine('')).toBeUndefined();
  expect(parseMountInfoLine('22 1 8:1 / / rw,relatime shared:1')).toBeUndefined();
  expect(parseMountInfoLine('22 1 8:1 / / rw - ext4')).toBeUndefined();
});

test("this process's own mountinfo parses: / is there", () => {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const mounts = parseMountInfo(text);
  expect(mounts.length).toBe(text.trim().split('\n').length);
  expect(mounts.some((m) => m.mountPoint === '/')).toBe(true);
});
