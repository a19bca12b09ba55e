// Failures are one clear line, in runc's shape where engines parse it, exit 1, and leave
// nothing behind.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

test('an unknown container: runc\'s message, exit 1, and with --log-format json one JSON line', () => {
  const plain = runts.run(['state', 'nope']);
  expect(plain.status).toBe(1);
  expect(plain.stderr).toMatch(/^time="[^"]+" level=error msg="container nope does not exist"\n$/);
  const log = path.join(runts.root, 'log.json');
  const json = runts.run(['--log', log, '--log-format', 'json', 'kill', 'nope', 'KILL']);
  expect(json.status).toBe(1);
  expect(json.stderr).toBe('container nope does not exist\n');
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0])).toEqual({ level: 'error', msg: 'container nope does not exist', time: expect.any(String) });
});

test('--debug logs the command line at level debug before the error', () => {
  const r = runts.run(['--debug', 'state', 'nope']);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/level=debug msg=".*state nope/);
  expect(lines[1]).toContain('container nope does not exist');
});

test('a missing executable fails create with runc\'s phrasing and leaves nothing behind', () => {
  const b = makeBundle((c) => (c.process.args = ['no-such-binary']));
  const id = uniqueId('noexec');
  const r = runts.run(['create', '--bundle', b.dir, id]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('exec: \\"no-such-binary\\": executable file not found in $PATH');
  expect(fs.existsSync(path.join(runts.root, id))).toBe(false);
  const abs = makeBundle((c) => (c.process.args = ['/etc/passwd']));
  expect(runts.run(['create', '--bundle', abs.dir, uniqueId('noexec')]).stderr).toContain('permission denied');
});

test('a malformed config.json is one error and creates nothing', () => {
  const b = makeBundle();
  fs.writeFileSync(path.join(b.dir, 'config.json'), '{ "ociVersion": ');
  const id = uniqueId('badjson');
  const r = runts.run(['create', '--bundle', b.dir, id]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('config.json: invalid JSON');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(fs.existsSync(path.join(runts.root, id))).toBe(false);
});

test('bad ids and unsupported flags are refused clearly', () => {
  const b = makeBundle();
  expect(runts.run(['create', '--bundle', b.dir, '../escape']).stderr).toContain('invalid container id format: ../escape');
  expect(runts.run(['--systemd-cgroup', 'state', 'x']).stderr).toContain('systemd cgroup driver is not supported');
  expect(runts.run(['create', '--bundle', '/nonexistent', 'x']).stderr).toContain('bundle /nonexistent: no such file or directory');
});

test('a bundle made by runc spec runs the whole lifecycle', () => {
  const b = makeBundle();
  fs.rmSync(path.join(b.dir, 'config.json'));
  execFileSync('runc', ['spec'], { cwd: b.dir });
  const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['sleep', '30'];
  fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));
  const id = uniqueId('runcspec');
  runts.ok(['create', '--bundle', b.dir, id]);
  expect(runts.state(id).status).toBe('created');
  runts.ok(['start', id]);
  expect(runts.state(id).status).toBe('running');
  runts.ok(['kill', id, 'KILL']);
  const deadline = Date.now() + 5000;
  while (runts.state(id).status !== 'stopped' && Date.now() < deadline);
  expect(runts.state(id).status).toBe('stopped');
  runts.ok(['delete', id]);
});

test('features reports what is implemented, as JSON', () => {
  const f = JSON.parse(runts.ok(['features']));
  expect(f).toMatchObject({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' });
  expect(f.linux.namespaces).toEqual(expect.arrayContaining(['user', 'time', 'cgroup']));
  expect(f.linux.seccomp.enabled).toBe(true);
  expect(f.linux.mountExtensions.idmap.enabled).toBe(true);
  expect(f.hooks).toHaveLength(6);
});
