// The programs run on the Node pinned in package.json (installed from npm as a platform
// package), not on whatever `node` the system has; the N-API addon loads in it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '../../..');
const PINNED_NODE = path.join(REPO, 'node_modules', '.bin', 'node');
const pinnedVersion = `v${require(path.join(REPO, 'package.json')).engines.node}`;

test('the pinned runtime is installed and is the version package.json names', () => {
  const r = spawnSync(PINNED_NODE, ['-p', 'process.version'], { encoding: 'utf8' });
  expect(r.stdout.trim()).toBe(pinnedVersion);
});

test('the N-API addon loads in the pinned runtime and makes a real socket pair', () => {
  const script = `
    const native = require(${JSON.stringify(path.join(REPO, 'build', 'Release', 'runts_native.node'))});
    const [a, b] = native.streamSocketPair();
    require('fs').writeSync(a, 'ping');
    const buf = Buffer.alloc(4);
    require('fs').readSync(b, buf);
    console.log(process.version, buf.toString());`;
  const r = spawnSync(PINNED_NODE, ['-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe(`${pinnedVersion} ping`);
});

test.each([
  ['runts', '--help'],
  ['runtsd', '--help'],
  ['runtsctl', '--help'],
  ['containerd-shim-runts-v2', '-v'], // the C++ launcher
])('bin/%s starts under the pinned runtime', (program, arg) => {
  // /proc/self/exe of the process the bin entry became, printed by a preload hook.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-startup-pinned-'));
  try {
    const probe = path.join(dir, 'probe.js');
    const report = path.join(dir, 'exe');
    fs.writeFileSync(probe, `require('fs').writeFileSync(${JSON.stringify(report)}, require('fs').readlinkSync('/proc/self/exe') + ' ' + process.version);`);
    spawnSync(path.join(REPO, 'bin', program), [arg], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` }, encoding: 'utf8' });
    const [exe, version] = fs.readFileSync(report, 'utf8').split(' ');
    expect(exe).toBe(fs.realpathSync(PINNED_NODE));
    expect(version).toBe(pinnedVersion);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runts --debug names the runtime it runs on', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-startup-root-'));
  try {
    const r = spawnSync(path.join(REPO, 'bin', 'runts'), ['--root', root, '--debug', 'list'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`node ${pinnedVersion}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
