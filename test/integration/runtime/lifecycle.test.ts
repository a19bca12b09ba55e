// The OCI lifecycle on real containers: create -> created -> start -> running -> kill ->
// stopped -> delete, the pid file, run's exit status, and two creates racing for one id.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle, RUNTS } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('create, start, kill and delete walk the OCI states', async () => {
  const b = makeBundle((c) => (c.process.args = ['sleep', '60']));
  const id = uniqueId('life');
  const pidFile = path.join(b.dir, 'init.pid');
  runts.ok(['create', '--bundle', b.dir, '--pid-file', pidFile, id]);
  const created = runts.state(id);
  expect(created).toMatchObject({ id, status: 'created', bundle: b.dir, rootfs: path.join(b.dir, 'rootfs') });
  expect(created.pid).toBeGreaterThan(1);
  expect(Number(fs.readFileSync(pidFile, 'utf8'))).toBe(created.pid);
  // Before start the init waits: the user process (sleep) has not been exec'd yet.
  expect(fs.readFileSync(`/proc/${created.pid}/cmdline`, 'utf8')).toContain('runts-init');

  runts.ok(['start', id]);
  expect(runts.state(id).status).toBe('running');
  await waitFor(() => fs.readFileSync(`/proc/${created.pid}/cmdline`, 'utf8').startsWith('sleep'));
  expect(runts.run(['start', id]).stderr).toContain('cannot start an already running container');

  runts.ok(['kill', id, 'KILL']);
  await waitFor(() => runts.state(id).status === 'stopped');
  expect(runts.run(['kill', id, '9']).stderr).toContain('container not running');
  runts.ok(['delete', id]);
  const gone = runts.run(['state', id]);
  expect(gone.status).toBe(1);
  expect(gone.stderr).toContain(`container ${id} does not exist`);
  expect(fs.existsSync(path.join(runts.root, id))).toBe(false);
});

test('delete refuses a running container and --force kills it and removes its cgroup', () => {
  const b = makeBundle((c) => (c.process.args = ['sleep', '60']));
  const id = uniqueId('force');
  runts.ok(['run', '--detach', '--bundle', b.dir, id]);
  const { pid } = runts.state(id);
  const refused = runts.run(['delete', id]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('is not stopped: running');
  runts.ok(['delete', '--force', id]);
  expect(fs.existsSync(`/proc/${pid}/stat`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(false);
  expect(fs.existsSync(`/sys/fs/cgroup/memory/${id}`)).toBe(false);
  expect(fs.existsSync(`/sys/fs/cgroup/unified/${id}`)).toBe(false);
});

test('kill accepts signal names and numbers', async () => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'trap "echo got-usr1 > /tmp/sig; exit 0" USR1; while true; do sleep 0.1; done'];
  });
  const id = uniqueId('sig');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  runts.ok(['kill', id, 'SIGUSR1']);
  // the shell creates the file before it writes to it: wait for the whole line
  const sig = path.join(b.rootfs, 'tmp', 'sig');
  await waitFor(() => fs.existsSync(sig) && fs.readFileSync(sig, 'utf8').endsWith('\n'));
  expect(fs.readFileSync(sig, 'utf8')).toBe('got-usr1\n');
  expect(runts.run(['kill', id, 'NOPE']).stderr).toMatch(/unknown signal .*NOPE/);
  expect(runts.run(['delete', '--force', 'never-existed']).status).toBe(0);
});

test('run in the foreground exits with the container status and deletes it', () => {
  const b = makeBundle((c) => (c.process.args = ['sh', '-c', 'echo out; echo err >&2; exit 7']));
  const id = uniqueId('exit');
  const r = runts.run(['run', '--bundle', b.dir, id]);
  expect(r.status).toBe(7);
  expect(r.stdout).toBe('out\n');
  expect(r.stderr).toBe('err\n');
  expect(fs.existsSync(path.join(runts.root, id))).toBe(false);
  expect(runts.ok(['list', '--format', 'json']).trim()).toBe('null');
});

test('run forwards signals to the container', async () => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'trap "exit 42" TERM; touch /tmp/ready; while true; do sleep 0.1; done'];
  });
  const id = uniqueId('fwd');
  const child = spawn(RUNTS, ['--root', runts.root, 'run', '--bundle', b.dir, id], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor(() => fs.existsSync(path.join(b.rootfs, 'tmp', 'ready')));
  child.kill('SIGTERM');
  expect(await exited).toBe(42);
});

test('two creates of one id: exactly one wins', async () => {
  const b = makeBundle((c) => (c.process.args = ['sleep', '60']));
  const id = uniqueId('race');
  const attempt = () =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(RUNTS, ['--root', runts.root, 'create', '--bundle', b.dir, id], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr!.on('data', (d) => (err += d));
      // stderr is a pipe here, but the loser exits without a container; the winner's init
      // keeps only the fd it was given, so wait for 'exit', not 'close'.
      p.on('exit', (code) => resolve({ code, err }));
    });
  const results = await Promise.all([attempt(), attempt()]);
  const codes = results.map((r) => r.code).sort();
  expect(codes).toEqual([0, 1]);
  expect(results.find((r) => r.code === 1)!.err).toContain(`container with id ${id} already exists`);
  expect(runts.state(id).status).toBe('created');
});

test('list shows containers as a table and as JSON', () => {
  const b = makeBundle((c) => (c.process.args = ['sleep', '60']));
  const id = uniqueId('list');
  runts.ok(['create', '--bundle', b.dir, id]);
  expect(runts.ok(['list'])).toMatch(new RegExp(`^ID\\s+PID\\s+STATUS\\s+BUNDLE\\s+CREATED\\s+OWNER\\n${id}\\s+\\d+\\s+created\\s+${b.dir}`));
  expect(JSON.parse(runts.ok(['list', '--format', 'json']))).toEqual([expect.objectContaining({ id, status: 'created' })]);
  expect(runts.ok(['list', '-q'])).toBe(`${id}\n`);
});
