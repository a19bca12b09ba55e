// ctr's version, plugins and namespaces commands against a real runtsd, and the daemon's
// socket and shutdown behaviour.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import { Daemon, startDaemon, tableRows } from './harness';
import { WriteSession, call, connect, meta } from './grpc-client';

let daemon: Daemon;

beforeAll(async () => {
  daemon = await startDaemon('basics');
});

afterAll(async () => {
  await daemon?.stop();
});

test('ctr version shows the server version and a uuid that survives a restart', async () => {
  const out = daemon.ctr('version');
  const version = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')).version;
  expect(out).toMatch(new RegExp(`Server:\\s+Version:\\s+${version.replace(/\./g, '\\.')}`));
  const uuid = /UUID: ([0-9a-f-]{36})/.exec(out)![1];
  await daemon.restart();
  expect(daemon.ctr('version')).toContain(`UUID: ${uuid}`);
});

test('ctr plugins ls lists the gRPC services and stores', () => {
  const rows = tableRows(daemon.ctr('plugins', 'ls'));
  const ids = rows.map((r) => `${r[0]} ${r[1]}`);
  for (const id of ['version', 'introspection', 'namespaces', 'content', 'images', 'leases']) {
    expect(ids).toContain(`io.containerd.grpc.v1 ${id}`);
  }
  expect(ids).toContain('io.containerd.content.v1 content');
  expect(rows.every((r) => r[r.length - 1] === 'ok')).toBe(true);
  const filtered = tableRows(daemon.ctr('plugins', 'ls', 'type==io.containerd.content.v1'));
  expect(filtered.map((r) => r[1])).toEqual(['content']);
});

test('namespaces create, label, ls and rm', () => {
  daemon.ctr('namespaces', 'create', 'team-a', 'owner=alice');
  daemon.ctr('namespaces', 'create', 'team-b');
  daemon.ctr('namespaces', 'label', 'team-b', 'tier=gold', 'zone=1');
  daemon.ctr('namespaces', 'label', 'team-b', 'zone=');
  const rows = tableRows(daemon.ctr('namespaces', 'ls'));
  expect(rows).toEqual([['team-a', 'owner=alice'], ['team-b', 'tier=gold']]);
  expect(daemon.ctr('namespaces', 'ls', '-q').trim().split('\n')).toEqual(['team-a', 'team-b']);

  const dup = daemon.ctrResult('namespaces', 'create', 'team-a');
  expect(dup.status).not.toBe(0);
  expect(dup.stderr).toContain('already exists');

  daemon.ctr('namespaces', 'rm', 'team-a', 'team-b');
  expect(tableRows(daemon.ctr('namespaces', 'ls'))).toEqual([]);
  // ctr treats NotFound on rm as already removed.
  expect(daemon.ctrResult('namespaces', 'rm', 'team-a').status).toBe(0);
});

test('a bad namespace name is rejected with one clear line', () => {
  const r = daemon.ctrResult('namespaces', 'create', 'bad/name');
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim()).toMatch(/^ctr: namespace name "bad\/name" is invalid: .*: invalid argument$/);
});

test('content ls is empty in a fresh namespace', () => {
  expect(tableRows(daemon.ctr('-n', 'fresh', 'content', 'ls'))).toEqual([]);
});

test('namespaces come into being on first use, as in containerd', () => {
  // Reading a namespace never used creates nothing.
  daemon.ctr('-n', 'first-use', 'images', 'ls');
  expect(daemon.ctr('namespaces', 'ls', '-q')).not.toContain('first-use');
  // Labelling one, or storing a lease in it, does.
  daemon.ctr('namespaces', 'label', 'first-use', 'team=a');
  expect(tableRows(daemon.ctr('namespaces', 'ls'))).toContainEqual(['first-use', 'team=a']);
  daemon.ctr('-n', 'lease-only', 'leases', 'create', '--id', 'held');
  expect(daemon.ctr('namespaces', 'ls', '-q').trim().split('\n')).toEqual(expect.arrayContaining(['first-use', 'lease-only']));
  // As in containerd, leases do not keep a namespace from deletion.
  daemon.ctr('namespaces', 'rm', 'first-use', 'lease-only');
  expect(daemon.ctr('namespaces', 'ls', '-q')).not.toMatch(/first-use|lease-only/);
});

test('ctr content ingest, active, label and rm', async () => {
  const data = Buffer.from('ingested by ctr\n');
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const r = spawnSync('ctr', ['-a', daemon.socket, 'content', 'ingest', '--expected-digest', digest,
    '--expected-size', String(data.length), 'ctr-ref'], { input: data });
  expect(r.status).toBe(0);
  expect(tableRows(daemon.ctr('content', 'ls')).map((row) => [row[0], row[1]])).toEqual([[digest, `${data.length}B`]]);

  const grpc = connect(daemon.socket);
  try {
    const partial = new WriteSession(grpc.content, meta('default'));
    await partial.send({ action: 'WRITE', ref: 'half-done', data: Buffer.from('12345') });
    await partial.close();
    expect(tableRows(daemon.ctr('content', 'active')).map((row) => [row[0], row[1]])).toEqual([['half-done', '5B']]);
    await call(grpc.content, 'Abort', { ref: 'half-done' });
  } finally {
    grpc.close();
  }

  daemon.ctr('content', 'label', digest, 'runts.test=1');
  expect(daemon.ctr('content', 'ls')).toContain('runts.test=1');
  daemon.ctr('content', 'rm', digest);
  expect(tableRows(daemon.ctr('content', 'ls'))).toEqual([]);
  expect(fs.existsSync(path.join(daemon.root, 'content', 'blobs', 'sha256', digest.slice(7)))).toBe(false);
});

test('the socket is mode 0660 and SIGTERM removes it', async () => {
  expect(fs.statSync(daemon.socket).mode & 0o777).toBe(0o660);
  expect(await daemon.kill('SIGTERM')).toBe(0);
  expect(fs.existsSync(daemon.socket)).toBe(false);
  expect(daemon.log()).toContain('runtsd stopped');
  await daemon.restart();
  expect(daemon.ctr('version')).toContain('Server:');
});
