// Content service semantics through a plain gRPC client: the Write protocol (offsets, resume,
// digest and size checks), reads, labels, statuses, and the status codes of bad input.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Daemon, startDaemon } from './harness';
import { Clients, WriteSession, call, codeOf, collect, connect, meta } from './grpc-client';

let daemon: Daemon;
let grpc: Clients;

beforeAll(async () => {
  daemon = await startDaemon('content');
  grpc = connect(daemon.socket);
});

afterAll(async () => {
  grpc?.close();
  await daemon?.stop();
});

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobFile = (digest: string) => path.join(daemon.root, 'content', 'blobs', 'sha256', digest.slice(7));
const ingestDirs = () => fs.readdirSync(path.join(daemon.root, 'content', 'ingest'));
const session = (ns = 'default', lease?: string) => new WriteSession(grpc.content, meta(ns, lease));

async function writeBlob(data: Buffer, ref: string, labels: Record<string, string> = {}, ns = 'default') {
  const s = session(ns);
  await s.send({ action: 'STAT', ref, total: data.length, expected: digestOf(data) });
  const res = await s.send({ action: 'COMMIT', ref, offset: 0, data, total: data.length, expected: digestOf(data), labels });
  await s.close();
  return res;
}

test('health check answers SERVING', async () => {
  expect((await call(grpc.health, 'Check', { service: '' })).status).toBe('SERVING');
});

test('a committed blob lands under blobs/sha256 with its labels', async () => {
  const data = Buffer.from('hello runtsd\n');
  const res = await writeBlob(data, 'ref-hello', { 'runts.test/kind': 'greeting' });
  expect(res).toMatchObject({ action: 'COMMIT', offset: data.length, digest: digestOf(data) });
  expect(fs.readFileSync(blobFile(digestOf(data)))).toEqual(data);
  const { info } = await call(grpc.content, 'Info', { digest: digestOf(data) });
  expect(info).toMatchObject({ digest: digestOf(data), size: data.length, labels: { 'runts.test/kind': 'greeting' } });
  expect(ingestDirs()).toEqual([]);
});

test('writing content the namespace already has is AlreadyExists', async () => {
  const data = Buffer.from('hello runtsd\n');
  const s = session();
  expect(await codeOf(s.send({ action: 'STAT', ref: 'again', total: data.length, expected: digestOf(data) }))).toBe('ALREADY_EXISTS');
  expect(ingestDirs()).toEqual([]);
});

test('a wrong digest fails the commit and leaves nothing behind', async () => {
  const data = Buffer.from('some bytes');
  const claimed = digestOf(Buffer.from('other bytes'));
  const s = session();
  await s.send({ action: 'STAT', ref: 'wrong-digest', total: data.length, expected: claimed });
  const err = await s.send({ action: 'COMMIT', ref: 'wrong-digest', data, total: data.length, expected: claimed }).catch((e) => e);
  expect(err.code).toBe(9); // FAILED_PRECONDITION
  expect(err.details).toContain(`content digest is ${digestOf(data)}, expected ${claimed}`);
  expect(ingestDirs()).toEqual([]);
  expect(fs.existsSync(blobFile(digestOf(data)))).toBe(false);
  expect(fs.existsSync(blobFile(claimed))).toBe(false);
  expect(await codeOf(call(grpc.content, 'Info', { digest: digestOf(data) }))).toBe('NOT_FOUND');
});

test('a short write fails the commit on size', async () => {
  const data = Buffer.from('abc');
  const s = session();
  await s.send({ action: 'STAT', ref: 'short' });
  const err = await s.send({ action: 'COMMIT', ref: 'short', data, total: 10 }).catch((e) => e);
  expect(err.code).toBe(9); // FAILED_PRECONDITION, as containerd's "unexpected commit size"
  expect(err.details).toContain('wrote 3 bytes, expected 10');
  expect(ingestDirs()).toEqual([]);
});

test('an ingest resumes at its offset in a new stream, then commits', async () => {
  const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  for (let i = 0; i < data.length; i += 4093) data[i] = i & 0xff;
  const ref = 'resume-me';
  const first = session();
  const stat = await first.send({ action: 'STAT', ref, total: data.length, expected: digestOf(data) });
  expect(stat).toMatchObject({ offset: 0, total: data.length });
  const half = 2 * 1024 * 1024;
  const wrote = await first.send({ action: 'WRITE', ref, offset: 0, data: data.subarray(0, half) });
  expect(wrote.offset).toBe(half);
  expect(wrote.digest).toBe(digestOf(data.subarray(0, half)));
  await first.close();

  const { status } = await call(grpc.content, 'Status', { ref });
  expect(status).toMatchObject({ ref, offset: half, total: data.length, expected: digestOf(data) });
  const { statuses } = await call(grpc.content, 'ListStatuses', { filters: [`ref==${ref}`] });
  expect(statuses.map((s: { ref: string }) => s.ref)).toEqual([ref]);

  const second = session();
  const resumed = await second.send({ action: 'STAT', ref, total: data.length, expected: digestOf(data) });
  expect(resumed.offset).toBe(half);
  expect(resumed.digest).toBe(digestOf(data.subarray(0, half)));
  const wrong = session();
  expect(await codeOf(wrong.send({ action: 'STAT', ref }))).toBe('UNAVAILABLE');
  const done = await second.send({ action: 'COMMIT', ref, offset: half, data: data.subarray(half), total: data.length, expected: digestOf(data) });
  expect(done).toMatchObject({ offset: data.length, digest: digestOf(data) });
  await second.close();
  expect(fs.readFileSync(blobFile(digestOf(data))).equals(data)).toBe(true);
  expect(await codeOf(call(grpc.content, 'Status', { ref }))).toBe('NOT_FOUND');

  const chunks = await collect(grpc.content.Read({ digest: digestOf(data), offset: 100, size: 2 * 1024 * 1024 }, meta('default')));
  const read = Buffer.concat(chunks.map((c: { data: Buffer }) => c.data));
  expect(read.equals(data.subarray(100, 100 + 2 * 1024 * 1024))).toBe(true);
  expect(chunks[0].offset).toBe(100);
});

test('a write away from the current offset is OutOfRange; offset 0 restarts the ingest', async () => {
  const ref = 'offsets';
  const s = session();
  await s.send({ action: 'STAT', ref });
  await s.send({ action: 'WRITE', ref, offset: 0, data: Buffer.from('abcdef') });
  const restarted = await s.send({ action: 'WRITE', ref, offset: 0, data: Buffer.from('xy') });
  expect(restarted.offset).toBe(2);
  expect(restarted.digest).toBe(digestOf(Buffer.from('xy')));
  expect(await codeOf(s.send({ action: 'WRITE', ref, offset: 5, data: Buffer.from('z') }))).toBe('OUT_OF_RANGE');
  await call(grpc.content, 'Abort', { ref });
  expect(await codeOf(call(grpc.content, 'Abort', { ref }))).toBe('NOT_FOUND');
  expect(ingestDirs()).toEqual([]);
});

test('bad write requests get precise codes', async () => {
  expect(await codeOf(session().send({ action: 'STAT', ref: '' }))).toBe('INVALID_ARGUMENT');
  expect(await codeOf(session().send({ action: 'STAT', ref: 'x', expected: 'md5:abc' }))).toBe('INVALID_ARGUMENT');
  expect(await codeOf(session().send({ action: 'STAT', ref: 'huge', total: 2 ** 52 }))).toBe('RESOURCE_EXHAUSTED');
  expect(await codeOf(session('default', 'no-such-lease').send({ action: 'STAT', ref: 'leased' }))).toBe('NOT_FOUND');
  const s = session();
  await s.send({ action: 'STAT', ref: 'sized', total: 4 });
  expect(await codeOf(s.send({ action: 'WRITE', ref: 'sized', data: Buffer.from('too long') }))).toBe('OUT_OF_RANGE');
  await call(grpc.content, 'Abort', { ref: 'sized' });
  expect(ingestDirs()).toEqual([]);
});

test('Info, Read and Delete reject bad digests and unknown content', async () => {
  const unknown = digestOf(Buffer.from('never written'));
  expect(await codeOf(call(grpc.content, 'Info', { digest: unknown }))).toBe('NOT_FOUND');
  expect(await codeOf(call(grpc.content, 'Info', { digest: 'sha256:xyz' }))).toBe('INVALID_ARGUMENT');
  expect(await codeOf(call(grpc.content, 'Delete', { digest: unknown }))).toBe('NOT_FOUND');
  expect(await codeOf(collect(grpc.content.Read({ digest: unknown }, meta('default'))))).toBe('NOT_FOUND');
  expect(await codeOf(call(grpc.content, 'Info', { digest: unknown }, meta('bad/ns')))).toBe('INVALID_ARGUMENT');
});

test('Update changes labels by field mask only', async () => {
  const data = Buffer.from('labelled');
  await writeBlob(data, 'labelled', { a: '1', b: '2' });
  const digest = digestOf(data);
  const { info } = await call(grpc.content, 'Update', {
    info: { digest, labels: { a: 'changed', b: 'ignored', c: '3' } },
    update_mask: { paths: ['labels.a', 'labels.c'] },
  });
  expect(info.labels).toEqual({ a: 'changed', b: '2', c: '3' });
  expect(await codeOf(call(grpc.content, 'Update', { info: { digest, size: 1 }, update_mask: { paths: ['size'] } }))).toBe('INVALID_ARGUMENT');
  const list = await collect(grpc.content.List({ filters: ['labels.c==3'] }, meta('default')));
  expect(list.flatMap((m: { info: { digest: string }[] }) => m.info.map((i) => i.digest))).toEqual([digest]);
});

test('the same blob in two namespaces is removed only when neither holds it', async () => {
  const data = Buffer.from('shared between namespaces');
  const digest = digestOf(data);
  await writeBlob(data, 'shared', { 'containerd.io/gc.root': 'x' }, 'ns-one');
  await writeBlob(data, 'shared', { 'containerd.io/gc.root': 'x' }, 'ns-two');
  await call(grpc.content, 'Delete', { digest }, meta('ns-one'));
  expect(fs.existsSync(blobFile(digest))).toBe(true);
  expect(await codeOf(call(grpc.content, 'Info', { digest }, meta('ns-one')))).toBe('NOT_FOUND');
  await call(grpc.content, 'Delete', { digest }, meta('ns-two'));
  expect(fs.existsSync(blobFile(digest))).toBe(false);
});

test('a client cancelling a large Read leaves no open blob behind', async () => {
  const data = Buffer.alloc(12 << 20, 1);
  await writeBlob(data, 'big-read', { 'containerd.io/gc.root': 'x' });
  const fdCount = () => fs.readdirSync(`/proc/${daemon.process.pid}/fd`).length;
  const before = fdCount();
  for (let i = 0; i < 5; i++) {
    const stream = grpc.content.Read({ digest: digestOf(data) }, meta('default'));
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.cancel();
    await new Promise((r) => stream.once('error', r));
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(fdCount()).toBeLessThanOrEqual(before);
  await call(grpc.content, 'Delete', { digest: digestOf(data) });
  expect(fs.existsSync(blobFile(digestOf(data)))).toBe(false);
});

test('existing content answers AlreadyExists before any ingest is opened, and drops a stale one', async () => {
  const data = Buffer.from('exists already');
  await writeBlob(data, 'first', { 'containerd.io/gc.root': 'x' });
  const stale = session();
  await stale.send({ action: 'WRITE', ref: 'stale', data: data.subarray(0, 4) });
  await stale.close();
  expect(ingestDirs()).toHaveLength(1);
  expect(await codeOf(session().send({ action: 'STAT', ref: 'stale', expected: digestOf(data) }))).toBe('ALREADY_EXISTS');
  expect(ingestDirs()).toEqual([]);
  await call(grpc.content, 'Delete', { digest: digestOf(data) });
});
