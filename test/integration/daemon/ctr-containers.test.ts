// `ctr containers` and `ctr events` against runtsd: container records made by the real ctr
// (spec, runtime, snapshot prepared from an imported image), filters, labels, and the snapshot
// released to GC when the container goes.
import * as fs from 'fs';
import * as path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { Daemon, startDaemon, tableRows } from './harness';
import { buildBusyboxOciArchive } from './oci-archive';

const IMAGE = 'example.com/containers:1';
let daemon: Daemon;
let events: ChildProcess | undefined;

beforeAll(async () => {
  daemon = await startDaemon('containers');
  const work = path.join(daemon.dir, 'image');
  fs.mkdirSync(work);
  daemon.ctr('images', 'import', buildBusyboxOciArchive(work, IMAGE).tarPath);
});

afterAll(async () => {
  if (events?.exitCode === null) events.kill('SIGKILL');
  await daemon?.stop();
});

const snapshotKeys = () => tableRows(daemon.ctr('snapshots', 'ls')).map((r) => r[0]);

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

test('ctr containers create/ls/info/label/rm, and ctr events sees each change', async () => {
  const eventsLog = path.join(daemon.dir, 'events.log');
  const out = fs.openSync(eventsLog, 'w');
  events = spawn('ctr', ['-a', daemon.socket, 'events'], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  await new Promise((r) => setTimeout(r, 300));

  daemon.ctr('containers', 'create', '--label', 'tier=web', IMAGE, 'web1');
  daemon.ctr('containers', 'create', IMAGE, 'db1');
  expect(tableRows(daemon.ctr('containers', 'ls')).map((r) => r.slice(0, 3))).toEqual([
    ['db1', IMAGE, 'io.containerd.runc.v2'],
    ['web1', IMAGE, 'io.containerd.runc.v2'],
  ]);
  expect(daemon.ctr('containers', 'ls', '-q', 'labels.tier==web').trim()).toBe('web1');
  expect(daemon.ctr('containers', 'ls', '-q', 'id~=^d').trim()).toBe('db1');

  const info = JSON.parse(daemon.ctr('containers', 'info', 'web1'));
  expect(info).toMatchObject({ ID: 'web1', Image: IMAGE, Runtime: { Name: 'io.containerd.runc.v2' }, SnapshotKey: 'web1', Snapshotter: 'overlayfs' });
  expect(info.Labels.tier).toBe('web');
  expect(info.Spec.process.args).toEqual(['/bin/sh']);
  expect(snapshotKeys()).toContain('web1');

  daemon.ctr('containers', 'label', 'web1', 'tier=api', 'extra=1');
  expect(JSON.parse(daemon.ctr('containers', 'info', 'web1')).Labels).toMatchObject({ tier: 'api', extra: '1' });
  // Without a field mask containerd refuses to touch the immutable runtime name, and so do we.
  expect(daemon.ctrResult('containers', 'label', 'web1').stderr).toContain('runtime name cannot be changed');
  expect(daemon.ctr('containers', 'ls', '-q', 'labels.tier==api').trim()).toBe('web1');

  const busy = daemon.ctrResult('namespaces', 'rm', 'default');
  expect(busy.status).not.toBe(0);
  expect(busy.stderr).toContain('must be empty');

  daemon.ctr('containers', 'rm', 'web1', 'db1');
  expect(tableRows(daemon.ctr('containers', 'ls'))).toEqual([]);
  // ctr prepared the snapshots under a lease that expired with the call; with the containers
  // gone nothing holds them, and the background collection removes them.
  await until(() => !snapshotKeys().includes('web1') && !snapshotKeys().includes('db1'), 'the containers\' snapshots to be collected');

  await until(() => fs.readFileSync(eventsLog, 'utf8').includes('/containers/delete'), 'the delete events');
  const topics = fs.readFileSync(eventsLog, 'utf8').split('\n').map((l) => / default (\/\S+) /.exec(l)?.[1]).filter(Boolean);
  expect(topics.filter((t) => t!.startsWith('/containers/'))).toEqual([
    '/containers/create', '/containers/create', '/containers/update', '/containers/delete', '/containers/delete',
  ]);
});

test('unknown containers and bad records get containerd\'s errors', () => {
  const missing = daemon.ctrResult('containers', 'info', 'nope');
  expect(missing.status).not.toBe(0);
  expect(missing.stderr).toContain('container "nope" not found in namespace "default"');
  const bad = daemon.ctrResult('containers', 'create', IMAGE, 'bad/id');
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/container id/);
  expect(daemon.ctrResult('containers', 'rm', 'nope').stderr).toContain('not found');
});
