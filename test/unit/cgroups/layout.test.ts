import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultCgroupsPath, detectCgroupLayout } from '../../../src/cgroups';
import { subCgroupPath } from '../../../src/cgroups/paths';

describe('layout and placement', () => {
  it('calls a directory that is not cgroup2 (nor has a cgroup2 "unified") v1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-layout-'));
    try {
      fs.mkdirSync(path.join(dir, 'unified'));
      expect(detectCgroupLayout(dir)).toBe('v1');
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('places a container without cgroupsPath at /<id>, and refuses ids that are not names', () => {
    expect(defaultCgroupsPath('web-1.a_b')).toBe('/web-1.a_b');
    expect(() => defaultCgroupsPath('../x')).toThrow(/cannot name a cgroup/);
  });
});

describe('exec --cgroup sub-cgroups', () => {
  it('stay inside the container cgroup, compared by whole path components', () => {
    expect(subCgroupPath('/pods/c1', 'x/y')).toBe('/pods/c1/x/y');
    expect(subCgroupPath('/pods/c1', '/x')).toBe('/pods/c1/x');
    expect(subCgroupPath('/pods/c1', 'x/..')).toBe('/pods/c1');
    expect(subCgroupPath('pods/c1', 'x')).toBe('pods/c1/x');
    for (const escape of ['..', '../c2', 'x/../../c2', '../c1-x', '../../..']) {
      expect(() => subCgroupPath('/pods/c1', escape)).toThrow(`${escape} is not a sub cgroup path`);
    }
  });
});
