// Unpacking as an unprivileged user (uid 65534): ordinary entries work without chown, device
// nodes are refused with one clear error, and hostile paths stay contained.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTar } from '../../../src/diff/tar/writer';
import { writeTsChild } from '../snapshots/ts-child';

const maybe = process.getuid!() === 0 ? describe : describe.skip;
const NOBODY = 65534;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-unpriv-'));
  fs.chmodSync(dir, 0o755);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function applyAsNobody(layer: Buffer, target: string): Promise<{ code: number; output: string }> {
  const layerFile = path.join(dir, 'layer.tar');
  fs.writeFileSync(layerFile, layer, { mode: 0o644 });
  const script = path.join(dir, 'apply.js');
  writeTsChild(script, `
const { applyLayer } = load('src/diff/apply.ts');
applyLayer(process.argv[2], fs.createReadStream(process.argv[3]), { whiteouts: 'delete' })
  .then(() => console.log('applied'), (err) => { console.log(err.message); process.exit(1); });
`);
  return new Promise((resolve) => {
    execFile('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, script, target, layerFile],
      { timeout: 20000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: (stdout + stderr).trim() }));
  });
}

maybe('unpacking without privilege', () => {
  test('regular entries are unpacked, owned by the unpacking user', async () => {
    const target = path.join(dir, 'rootfs');
    fs.mkdirSync(target);
    fs.chownSync(target, NOBODY, NOBODY);
    const result = await applyAsNobody(buildTar([
      { name: 'etc/', type: 'directory' }, { name: 'etc/f', type: 'file', data: 'f', uid: 0, gid: 0, mode: 0o640 },
      { name: 'l', type: 'symlink', linkname: '/etc/f' }, { name: 'p', type: 'fifo' },
    ]), target);
    expect(result).toEqual({ code: 0, output: 'applied' });
    const st = fs.statSync(path.join(target, 'etc/f'));
    expect([st.uid, st.mode & 0o777]).toEqual([NOBODY, 0o640]);
  });

  test('a device node is refused with a clear error', async () => {
    const target = path.join(dir, 'rootfs');
    fs.mkdirSync(target);
    fs.chownSync(target, NOBODY, NOBODY);
    const result = await applyAsNobody(buildTar([{ name: 'dev/', type: 'directory' }, { name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 }]), target);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^applying layer entry "dev\/sda": creating block node .*dev\/sda: operation not permitted \(device nodes in a layer need root to unpack\)$/);
  });

  test('hostile paths stay contained for an unprivileged unpacker too', async () => {
    const target = path.join(dir, 'rootfs');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(target);
    fs.mkdirSync(outside);
    fs.chownSync(target, NOBODY, NOBODY);
    fs.chownSync(outside, NOBODY, NOBODY); // writable by the unpacker: only the walk keeps it out
    const result = await applyAsNobody(buildTar([
      { name: 'esc', type: 'symlink', linkname: outside },
      { name: 'esc/planted', type: 'file', data: 'x' },
      { name: '../outside/planted2', type: 'file', data: 'x' },
    ]), target);
    expect(result).toEqual({ code: 0, output: 'applied' });
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.existsSync(path.join(target, outside, 'planted'))).toBe(true);
  });
});
