// The shim's rootfs mounts (CreateTaskRequest.rootfs) come from a containerd API client: a source
// shaped like one of mount(8)'s options stays a source, a target never leaves the bundle's rootfs
// nor follows a symlink an earlier mount brought in, and a failure leaves nothing mounted.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isMountPoint, mountRootfs, unmountRootfs } from '../../../src/shim/rootfs';

let bundle: string;
let rootfs: string;

beforeEach(() => {
  bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-shim-rootfs-'));
  rootfs = path.join(bundle, 'rootfs');
  fs.mkdirSync(rootfs);
});

afterEach(async () => {
  await unmountRootfs(bundle).catch(() => undefined);
  for (const dir of [path.join(bundle, 'outside'), path.join(rootfs, 'sub')]) {
    if (isMountPoint(dir)) execFileSync('umount', ['-R', dir]); // only when a refusal failed
  }
  fs.rmSync(bundle, { recursive: true, force: true });
});

const mountsUnder = (dir: string) =>
  fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => (l.split(' ')[4] ?? '').startsWith(dir));

test('a source shaped like a mount(8) option is a source', async () => {
  await mountRootfs(bundle, [{ type: 'tmpfs', source: '--make-shared', target: '', options: ['size=1m'] }]);
  expect(isMountPoint(rootfs)).toBe(true);
  expect(mountsUnder(rootfs).join('\n')).toMatch(/ - tmpfs --make-shared /);
});

test('a target leaving the rootfs is refused and nothing is mounted', async () => {
  fs.mkdirSync(path.join(bundle, 'outside'));
  await expect(mountRootfs(bundle, [
    { type: 'tmpfs', source: 'tmpfs', target: '', options: [] },
    { type: 'tmpfs', source: 'tmpfs', target: '../outside', options: [] },
  ])).rejects.toThrow('rootfs mount target "../outside" leaves the container\'s rootfs');
  expect(mountsUnder(bundle)).toEqual([]);
});

test('a target through a symlink a lower mount brought in is refused, the earlier mount undone', async () => {
  const lower = path.join(bundle, 'lower');
  fs.mkdirSync(lower);
  fs.symlinkSync(path.join(bundle, 'outside'), path.join(lower, 'sub'));
  fs.mkdirSync(path.join(bundle, 'outside'));
  await expect(mountRootfs(bundle, [
    { type: 'bind', source: lower, target: '', options: ['rbind'] },
    { type: 'tmpfs', source: 'tmpfs', target: 'sub', options: [] },
  ])).rejects.toThrow(/rootfs mount target "sub" passes through the symlink .*\/rootfs\/sub/);
  expect(mountsUnder(bundle)).toEqual([]);
  expect(fs.readdirSync(path.join(bundle, 'outside'))).toEqual([]);
});

test('targets inside the rootfs stack in order and unmount together', async () => {
  await mountRootfs(bundle, [
    { type: 'tmpfs', source: 'tmpfs', target: '', options: [] },
    { type: 'tmpfs', source: 'tmpfs', target: '/sub', options: [] },
  ]);
  expect(isMountPoint(path.join(rootfs, 'sub'))).toBe(true);
  await unmountRootfs(bundle);
  expect(mountsUnder(bundle)).toEqual([]);
});
