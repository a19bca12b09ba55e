import { v1Mounts } from '../../../src/cgroups/mountinfo';

// Lines as this host's kernel writes them, plus an escaped path and a hierarchy elsewhere.
const MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
42 31 0:39 / /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids
50 23 0:40 / /mnt/other/memory rw - cgroup cgroup rw,memory
`;

test('v1 hierarchies come from the cgroup mounts directly below the root, with their controllers', () => {
  expect(v1Mounts(MOUNTINFO, '/sys/fs/cgroup')).toEqual([
    { mount: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'], key: 'cpu' },
    { mount: '/sys/fs/cgroup/memory', controllers: ['memory'], key: 'memory' },
    { mount: '/sys/fs/cgroup/cpuset', controllers: ['cpuset'], key: 'cpuset' },
    { mount: '/sys/fs/cgroup/systemd', controllers: [], key: 'name=systemd' },
    { mount: '/sys/fs/cgroup/my pids', controllers: ['pids'], key: 'pids' },
  ]);
});
