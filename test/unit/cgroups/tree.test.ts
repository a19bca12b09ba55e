// removeTree against cgroupfs' own answer for a cgroup with children: rmdir fails with EBUSY.
import type { CgroupFs } from '../../../src/cgroups/fs';
import { removeTree } from '../../../src/cgroups/tree';

/** Directories only, as cgroupfs: rmdir of one with children is EBUSY; every call is logged. */
function busyFs(dirs: string[]): CgroupFs & { dirs: Set<string>; calls: string[] } {
  const set = new Set(dirs);
  const calls: string[] = [];
  const children = (dir: string) => [...set].filter((d) => d.startsWith(`${dir}/`) && !d.slice(dir.length + 1).includes('/'));
  const errno = (code: string) => Object.assign(new Error(code), { code });
  return {
    dirs: set,
    calls,
    read: () => '',
    write: () => undefined,
    exists: (p) => set.has(p),
    mkdir: (d) => void set.add(d),
    rmdir: (d) => {
      calls.push(`rmdir ${d}`);
      if (!set.has(d)) throw errno('ENOENT');
      if (children(d).length) throw errno('EBUSY');
      set.delete(d);
    },
    subdirs: (d) => {
      calls.push(`subdirs ${d}`);
      return children(d).map((c) => c.slice(d.length + 1));
    },
    files: () => [],
    mountinfo: () => '',
  };
}

test('a cgroup without children goes in one rmdir, without listing it', () => {
  const fs = busyFs(['/cg/a']);
  removeTree(fs, '/cg/a');
  expect(fs.dirs.has('/cg/a')).toBe(false);
  expect(fs.calls).toEqual(['rmdir /cg/a']);
});

test('a busy cgroup loses its children, deepest first, then goes', () => {
  const fs = busyFs(['/cg/a', '/cg/a/b', '/cg/a/b/c', '/cg/a/d']);
  removeTree(fs, '/cg/a');
  expect([...fs.dirs]).toEqual([]);
  expect(fs.calls.indexOf('rmdir /cg/a/b/c')).toBeLessThan(fs.calls.lastIndexOf('rmdir /cg/a/b'));
});

test('a cgroup already gone is fine', () => {
  const fs = busyFs([]);
  expect(() => removeTree(fs, '/cg/a')).not.toThrow();
});
