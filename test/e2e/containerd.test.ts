// Debian's containerd with its stock runc shim, the runtime binary switched to runts with
// `ctr run --runc-binary` (runc options BinaryName); every scenario also runs with runc.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUNTS } from '../helpers/bundle';
import { removeCgroupTree } from '../helpers/cgroup-cleanup';
import { unmountUnder } from '../helpers/mounts';
import { buildBusyboxOciArchive } from '../integration/daemon/oci-archive';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-ctrd-e2e-'));
const sock = path.join(dir, 'containerd.sock');
const ns = `runts-test-ctrd-${process.pid}`;
const IMAGE = 'docker.io/library/runts-busybox:e2e';
const RUNTIMES: Record<string, string> = { runts: RUNTS, runc: execFileSync('which', ['runc'], { encoding: 'utf8' }).trim() };
let containerd: ChildProcess;

const ctr = (args: string[]) => spawnSync('ctr', ['-a', sock, '-n', ns, ...args], { encoding: 'utf8', timeout: 60000 });

beforeAll(async () => {
  fs.writeFileSync(path.join(dir, 'config.toml'), [
    'version = 2', `root = "${dir}/root"`, `state = "${dir}/state"`, 'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]', `  address = "${sock}"`, '[ttrpc]', `  address = "${sock}.ttrpc"`, '',
  ].join('\n'));
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
  containerd = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  for (let i = 0; ctr(['version']).status !== 0; i++) {
    if (i > 150) throw new Error(`containerd did not come up: ${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const image = buildBusyboxOciArchive(path.join(dir, 'image'), IMAGE);
  const imported = ctr(['images', 'import', image.tarPath]);
  if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
}, 60000);

afterAll(async () => {
  for (const rt of Object.keys(RUNTIMES)) {
    ctr(['tasks', 'kill', '-s', 'KILL', `e2e-${rt}`]);
    ctr(['tasks', 'delete', '-f', `e2e-${rt}`]);
    ctr(['containers', 'delete', `e2e-${rt}`]);
  }
  if (containerd.exitCode === null) {
    const exited = new Promise((r) => containerd.once('exit', r));
    containerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
  }
  unmountUnder(dir);
  removeCgroupTree(`/${ns}`);
  // the runc shim's --root for the namespace, left empty
  fs.rmSync(path.join('/run/containerd/runc', ns), { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}, 30000);

describe.each(Object.keys(RUNTIMES))('ctr with --runc-binary %s', (runtime) => {
  const bin = RUNTIMES[runtime];

  test('run --rm: output and exit status', () => {
    const r = ctr(['run', '--rm', '--runc-binary', bin, IMAGE, `rm-${runtime}`, 'sh', '-c', 'echo hello from containerd; exit 3']);
    expect(r.stdout).toBe('hello from containerd\n');
    expect(r.status).toBe(3);
  });

  test('run -d, tasks exec, ps, kill and delete', async () => {
    const id = `e2e-${runtime}`;
    expect(ctr(['run', '-d', '--runc-binary', bin, IMAGE, id, 'busybox', 'sleep', '60']).status).toBe(0);
    expect(ctr(['tasks', 'exec', '--exec-id', 'probe', id, 'sh', '-c', 'echo exec ok']).stdout).toBe('exec ok\n');
    expect(ctr(['tasks', 'ps', id]).stdout).toMatch(/^PID\s+INFO\n\d+\s/);
    expect(ctr(['tasks', 'kill', '-s', 'KILL', id]).status).toBe(0);
    for (let i = 0; i < 50 && !/STOPPED/.test(ctr(['tasks', 'ls']).stdout); i++) await new Promise((r) => setTimeout(r, 100));
    expect(ctr(['tasks', 'ls']).stdout).toMatch(new RegExp(`${id}\\s+\\d+\\s+STOPPED`));
    expect(ctr(['tasks', 'delete', id]).status).toBe(0);
    expect(ctr(['containers', 'delete', id]).status).toBe(0);
  });
});
