// Runtime name -> shim binary, containerd's rule, and where runtsd looks for it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveShimBinary, shimBinaryName } from '../../../src/daemon/shims/runtime-binary';

describe('shim binary of a runtime', () => {
  it('maps io.containerd.X.vN to containerd-shim-X-vN', () => {
    expect(shimBinaryName('io.containerd.runc.v2')).toBe('containerd-shim-runc-v2');
    expect(shimBinaryName('io.containerd.runts.v2')).toBe('containerd-shim-runts-v2');
    expect(shimBinaryName('example.kata.v2')).toBe('containerd-shim-kata-v2');
  });

  it('refuses names that do not end in two dotted parts', () => {
    expect(() => shimBinaryName('runc')).toThrow('runtime "runc" is not a valid shim runtime name');
    expect(() => shimBinaryName('io.containerd.runc.')).toThrow(/not a valid shim runtime name/);
  });

  it("finds runts's own shim in the repository's bin/ before $PATH", () => {
    expect(resolveShimBinary('io.containerd.runts.v2', '/usr/bin')).toBe(path.resolve(__dirname, '../../../bin/containerd-shim-runts-v2'));
  });

  describe('with a private $PATH', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-binary-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('finds an executable on $PATH, skipping one that is not executable', () => {
      const first = path.join(dir, 'a');
      const second = path.join(dir, 'b');
      fs.mkdirSync(first);
      fs.mkdirSync(second);
      fs.writeFileSync(path.join(first, 'containerd-shim-fake-v1'), '', { mode: 0o644 });
      fs.writeFileSync(path.join(second, 'containerd-shim-fake-v1'), '#!/bin/sh\n', { mode: 0o755 });
      expect(resolveShimBinary('io.containerd.fake.v1', `${first}:${second}`)).toBe(path.join(second, 'containerd-shim-fake-v1'));
    });

    it('takes an absolute path as the binary, and says which binary is missing', () => {
      const shim = path.join(dir, 'my-shim');
      fs.writeFileSync(shim, '#!/bin/sh\n', { mode: 0o755 });
      expect(resolveShimBinary(shim, '')).toBe(shim);
      expect(() => resolveShimBinary('io.containerd.nosuch.v9', dir))
        .toThrow(/runtime "io.containerd.nosuch.v9" binary not installed "containerd-shim-nosuch-v9"/);
    });
  });
});
