// exec joins every namespace and the cgroup of a running container, with runc's flags.
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

function running(edit?: (c: any) => void) {
  const b = makeBundle((c) => {
    c.process.args = ['sleep', '60'];
    edit?.(c);
  });
  const id = uniqueId('exec');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  return { id, b, pid: runts.state(id).pid as number };
}

test('the exec\'d process shares the container\'s namespaces and cgroup', () => {
  const { id, pid } = running();
  const out = runts.ok(['exec', id, 'sh', '-c', 'echo $$; for n in ipc net mnt uts pid cgroup; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup | grep memory']);
  const lines = out.trim().split('\n');
  expect(Number(lines[0])).toBeGreaterThan(1);
  for (const [i, ns] of ['ipc', 'net', 'mnt', 'uts', 'pid', 'cgroup'].entries()) {
    expect(lines[1 + i]).toBe(fs.readlinkSync(`/proc/${pid}/ns/${ns}`));
  }
  expect(lines[7]).toMatch(/memory:\/$/);
});

test('flags: --env, --cwd, --user, --additional-gids, exit status, --detach with --pid-file', () => {
  const { id, b } = running((c) => (c.root.readonly = false));
  expect(runts.ok(['exec', '-e', 'FOO=bar', '--cwd', '/tmp', '-u', '1000:1001', '-g', '7', id, 'sh', '-c', 'echo $FOO; pwd; id -u; id -G']))
    .toBe('bar\n/tmp\n1000\n1001 7\n');
  expect(runts.run(['exec', id, 'sh', '-c', 'exit 9']).status).toBe(9);
  const pidFile = path.join(b.dir, 'exec.pid');
  runts.ok(['exec', '-d', '--pid-file', pidFile, id, 'sh', '-c', 'echo detached > /tmp/d; sleep 30']);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('sleep');
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(path.join(b.rootfs, 'tmp', 'd')) && Date.now() < deadline);
  expect(fs.readFileSync(path.join(b.rootfs, 'tmp', 'd'), 'utf8')).toBe('detached\n');
});

test('--process runs a process.json; a missing binary is exec failed with exit 255', () => {
  const { id, b } = running();
  const proc = path.join(b.dir, 'process.json');
  fs.writeFileSync(proc, JSON.stringify({ args: ['sh', '-c', 'echo from process.json'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }));
  expect(runts.ok(['exec', '--process', proc, id])).toBe('from process.json\n');
  const r = runts.run(['exec', id, 'no-such-thing']);
  expect(r.status).toBe(255);
  expect(r.stderr).toContain('exec failed: exec: \\"no-such-thing\\": executable file not found in $PATH');
});

test('exec into a stopped container is refused', async () => {
  const b = makeBundle((c) => (c.process.args = ['true']));
  const id = uniqueId('stopped');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const deadline = Date.now() + 5000;
  while (runts.state(id).status !== 'stopped' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const r = runts.run(['exec', id, 'true']);
  expect(r.status).toBe(255);
  // runc's shape: every exec that cannot start exits 255 with "exec failed: ...".
  expect(r.stderr).toContain('exec failed: cannot exec in a stopped container');
});

test('--apparmor and --process-label are applied or refused, never ignored', () => {
  const { id } = running();
  expect(runts.run(['exec', '--apparmor', 'docker-default', id, 'true']).stderr).toContain('AppArmor is not enabled on this host');
  expect(runts.run(['exec', '--process-label', 'system_u:system_r:container_t:s0', id, 'true']).stderr).toContain('SELinux is not enabled on this host');
});
