// A task bundle's layout (containerd 1.6's), how runtsd finds bundles again, and removal that
// never deletes through a rootfs something is still on.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleOf, createBundle, listBundles, readAddress, readShimBinary, removeBundle, TASK_DIR } from '../../../src/daemon/shims/bundle';

describe('task bundles', () => {
  let dir: string;
  const root = () => path.join(dir, 'root');
  const state = () => path.join(dir, 'state');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lays a bundle out as containerd does, and finds it again', () => {
    const bundle = bundleOf(root(), state(), 'ns1', 'c1');
    expect(bundle.path).toBe(path.join(state(), TASK_DIR, 'ns1', 'c1'));
    createBundle(bundle, Buffer.from('{"ociVersion":"1.0.2"}'), '/usr/bin/containerd-shim-runc-v2');
    expect(fs.readFileSync(path.join(bundle.path, 'config.json'), 'utf8')).toBe('{"ociVersion":"1.0.2"}');
    expect(fs.readdirSync(path.join(bundle.path, 'rootfs'))).toEqual([]);
    expect(fs.lstatSync(path.join(bundle.path, 'log')).isFIFO()).toBe(true);
    expect(fs.readlinkSync(path.join(bundle.path, 'work'))).toBe(path.join(root(), TASK_DIR, 'ns1', 'c1'));
    expect(readShimBinary(bundle.path)).toBe('/usr/bin/containerd-shim-runc-v2');
    expect(readAddress(bundle.path)).toBeUndefined();
    fs.writeFileSync(path.join(bundle.path, 'address'), 'unix:///run/containerd/s/abc');
    expect(readAddress(bundle.path)).toBe('unix:///run/containerd/s/abc');
    expect(listBundles(root(), state())).toEqual([bundle]);
  });

  it('refuses a second bundle for the same task', () => {
    const bundle = bundleOf(root(), state(), 'ns1', 'c1');
    createBundle(bundle, Buffer.from('{}'), '/bin/true');
    expect(() => createBundle(bundle, Buffer.from('{}'), '/bin/true')).toThrow(/task c1: bundle .* already exists/);
  });

  it('removes bundle and work dir, but not through a rootfs that is not empty', () => {
    const bundle = bundleOf(root(), state(), 'ns1', 'c1');
    createBundle(bundle, Buffer.from('{}'), '/bin/true');
    fs.writeFileSync(path.join(bundle.path, 'rootfs', 'file'), 'still mounted');
    expect(() => removeBundle(bundle)).toThrow(/removing .*rootfs \(still mounted\?\)/);
    expect(fs.existsSync(path.join(bundle.path, 'rootfs', 'file'))).toBe(true);
    fs.rmSync(path.join(bundle.path, 'rootfs', 'file'));
    removeBundle(bundle);
    expect(fs.existsSync(bundle.path)).toBe(false);
    expect(fs.existsSync(bundle.workDir)).toBe(false);
    expect(listBundles(root(), state())).toEqual([]);
  });
});
