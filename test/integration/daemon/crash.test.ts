// kill -9 runtsd in the middle of a large content write and of an import: after a restart the
// store is consistent (every record's blob exists and hashes to its name, no orphan blobs) and
// the interrupted ingest can be resumed or aborted.
import * as fs from 'fs';
import * as path from 'path';
import { createHash, randomBytes } from 'crypto';
import { spawn } from 'child_process';
import { Daemon, startDaemon, tableRows } from './harness';
import { Clients, WriteSession, call, codeOf, connect, meta } from './grpc-client';
import { buildBusyboxOciArchive } from './oci-archive';

let daemon: Daemon;
let grpc: Clients | undefined;

beforeAll(async () => {
  daemon = await startDaemon('crash');
});

afterAll(async () => {
  grpc?.close();
  await daemon?.stop();
});

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobsDir = () => path.join(daemon.root, 'content', 'blobs', 'sha256');

function reconnect(): Clients {
  grpc?.close();
  grpc = connect(daemon.socket);
  return grpc;
}

/** Every namespace's content records match the blob files exactly. */
function expectConsistentStore(namespaces: string[]): void {
  const recorded = new Set<string>();
  for (const ns of namespaces) {
    for (const [digest, size] of tableRows(daemon.ctr('-n', ns, 'content', 'ls'))) {
      const data = fs.readFileSync(path.join(blobsDir(), digest.slice(7)));
      expect(sha256(data)).toBe(digest);
      expect(size).toBeDefined();
      recorded.add(digest);
    }
    const contentNow = new Set(tableRows(daemon.ctr('-n', ns, 'content', 'ls')).map((r) => r[0]));
    for (const row of tableRows(daemon.ctr('-n', ns, 'images', 'ls'))) expect(contentNow.has(row[2])).toBe(true);
  }
  const files = fs.readdirSync(blobsDir()).map((hex) => `sha256:${hex}`);
  expect(files.sort()).toEqual([...recorded].sort());
}

test('kill -9 during a large write: the ingest resumes after restart and commits', async () => {
  const data = randomBytes(48 << 20);
  const ref = 'big-write';
  const chunk = 1 << 20;
  const s = new WriteSession(reconnect().content, meta('default'));
  await s.send({ action: 'STAT', ref, total: data.length, expected: sha256(data) });
  for (let off = 0; off < 20 * chunk; off += chunk) {
    await s.send({ action: 'WRITE', ref, offset: off, data: data.subarray(off, off + chunk) });
  }
  // Fire more writes without waiting and kill the daemon while they arrive.
  for (let off = 20 * chunk; off < 40 * chunk; off += chunk) {
    s.send({ action: 'WRITE', ref, offset: off, data: data.subarray(off, off + chunk) }).catch(() => undefined);
  }
  await new Promise((r) => setTimeout(r, 30));
  await daemon.kill('SIGKILL');
  s.cancel();
  await daemon.restart();

  const c = reconnect();
  const { status } = await call(c.content, 'Status', { ref });
  expect(status.offset).toBeGreaterThanOrEqual(20 * chunk);
  expect(status.offset).toBeLessThanOrEqual(40 * chunk);
  expect(status).toMatchObject({ total: data.length, expected: sha256(data) });

  const resume = new WriteSession(c.content, meta('default'));
  const stat = await resume.send({ action: 'STAT', ref, total: data.length, expected: sha256(data) });
  expect(stat.offset).toBe(status.offset);
  expect(stat.digest).toBe(sha256(data.subarray(0, stat.offset)));
  let off = stat.offset;
  for (; off + chunk < data.length; off += chunk) {
    await resume.send({ action: 'WRITE', ref, offset: off, data: data.subarray(off, off + chunk) });
  }
  const done = await resume.send({
    action: 'COMMIT', ref, offset: off, data: data.subarray(off), total: data.length, expected: sha256(data),
    labels: { 'containerd.io/gc.root': 'crash-test' },
  });
  expect(done.digest).toBe(sha256(data));
  await resume.close();
  expect(await codeOf(call(c.content, 'Status', { ref }))).toBe('NOT_FOUND');
  expectConsistentStore(['default']);
  await call(c.content, 'Delete', { digest: sha256(data) });
  expect(fs.readdirSync(blobsDir())).toEqual([]);
}, 60000);

test('kill -9 during a write, then Abort, leaves no ingest', async () => {
  const s = new WriteSession(reconnect().content, meta('default'));
  await s.send({ action: 'STAT', ref: 'to-abort', total: 1 << 20 });
  await s.send({ action: 'WRITE', ref: 'to-abort', offset: 0, data: randomBytes(1000) });
  await daemon.kill('SIGKILL');
  s.cancel();
  await daemon.restart();
  const c = reconnect();
  expect((await call(c.content, 'Status', { ref: 'to-abort' })).status.offset).toBe(1000);
  await call(c.content, 'Abort', { ref: 'to-abort' });
  expect(fs.readdirSync(path.join(daemon.root, 'content', 'ingest'))).toEqual([]);
});

test('kill -9 at several points of an import: consistent store, and a re-import completes', async () => {
  const work = path.join(daemon.dir, 'crash-image');
  fs.mkdirSync(work);
  const image = buildBusyboxOciArchive(work, 'example.com/crash:1', 24 << 20);
  const namespaces: string[] = [];
  let interrupted = 0;
  for (const delayMs of [40, 120, 250, 400]) {
    const ns = `crash${delayMs}`;
    namespaces.push(ns);
    const importer = spawn('ctr', ['-a', daemon.socket, '-n', ns, 'images', 'import', '--no-unpack', image.tarPath], { stdio: 'ignore' });
    const importDone = new Promise((r) => importer.once('exit', r));
    await new Promise((r) => setTimeout(r, delayMs));
    await daemon.kill('SIGKILL');
    // ctr would wait for the daemon to come back: stop it so the crash is the import's end.
    importer.kill('SIGKILL');
    await importDone;
    await daemon.restart();
    expectConsistentStore(namespaces);
    if (tableRows(daemon.ctr('-n', ns, 'images', 'ls')).length === 0) interrupted++;
    daemon.ctr('-n', ns, 'images', 'import', '--no-unpack', image.tarPath);
    expect(tableRows(daemon.ctr('-n', ns, 'images', 'ls')).map((r) => r[0])).toEqual(['example.com/crash:1']);
    expectConsistentStore(namespaces);
  }
  // The delays must really cut imports short, or this test proves nothing.
  expect(interrupted).toBeGreaterThanOrEqual(2);
}, 120000);
