// Reading a file out of an untrusted rootfs: symlinks (absolute, relative, through directories)
// are followed as if the rootfs were "/", so none reaches a file outside it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readRootedFile } from '../../../../src/daemon/cri/rootfs-files';

let dir: string;
let root: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rootfs-files-'));
  root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secret'), 'outside\n');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a plain file, and a missing one', async () => {
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n');
  expect(await readRootedFile(root, '/etc/passwd')).toBe('root:x:0:0::/:/bin/sh\n');
  expect(await readRootedFile(root, '/etc/group')).toBeUndefined();
});

test('links that point out of the root land inside it', async () => {
  fs.symlinkSync('../../secret', path.join(root, 'etc', 'passwd'));
  expect(await readRootedFile(root, '/etc/passwd')).toBeUndefined();
  fs.writeFileSync(path.join(root, 'secret'), 'inside\n');
  expect(await readRootedFile(root, '/etc/passwd')).toBe('inside\n');
  fs.symlinkSync(path.join(dir, 'secret'), path.join(root, 'etc', 'group'));
  expect(await readRootedFile(root, '/etc/group')).toBeUndefined();
});

test('a linked directory is resolved inside the root', async () => {
  fs.rmdirSync(path.join(root, 'etc'));
  fs.mkdirSync(path.join(root, 'real'));
  fs.writeFileSync(path.join(root, 'real', 'passwd'), 'in real\n');
  fs.symlinkSync('/../real', path.join(root, 'etc'));
  expect(await readRootedFile(root, '/etc/passwd')).toBe('in real\n');
  fs.symlinkSync(dir, path.join(root, 'out'));
  expect(await readRootedFile(root, '/out/secret')).toBeUndefined();
});

test('a link loop and a directory are errors, not hangs', async () => {
  fs.symlinkSync('passwd', path.join(root, 'etc', 'passwd'));
  await expect(readRootedFile(root, '/etc/passwd')).rejects.toThrow(/too many levels/);
  fs.mkdirSync(path.join(root, 'etc', 'group'));
  await expect(readRootedFile(root, '/etc/group')).rejects.toThrow(/not a regular file/);
});
