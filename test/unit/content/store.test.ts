// The blob store on real files: commits verify before renaming, failures leave nothing.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { ContentStore } from '../../../src/content/store';
import { RefLockedError } from '../../../src/content/errors';

let dir: string;
let store: ContentStore;
const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-content-'));
  store = new ContentStore(dir);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('commit renames a verified ingest into blobs/sha256', async () => {
  const data = Buffer.from('blob data');
  const w = store.openIngest('ns', 'ref', data.length, digestOf(data));
  w.write(data);
  expect(w.commit(data.length, digestOf(data))).toEqual({ digest: digestOf(data), size: data.length, existed: false });
  expect(fs.readFileSync(path.join(dir, 'content/blobs/sha256', digestOf(data).slice(7)))).toEqual(data);
  expect(fs.readdirSync(store.ingestDir)).toEqual([]);
  const chunks = [];
  for await (const c of store.read(digestOf(data), 5, 0)) chunks.push(c);
  expect(Buffer.concat(chunks.map((c) => c.data)).toString()).toBe('data');
});

test('a digest mismatch discards the ingest and writes no blob', () => {
  const w = store.openIngest('ns', 'ref', 0, '');
  w.write(Buffer.from('actual'));
  expect(() => w.commit(0, digestOf(Buffer.from('claimed')))).toThrow(/content digest is sha256:[a-f0-9]{64}, expected/);
  expect(fs.readdirSync(store.ingestDir)).toEqual([]);
  expect(store.listBlobs()).toEqual([]);
});

test('one writer per ref; a closed ingest resumes with its bytes and digest', () => {
  const w = store.openIngest('ns', 'ref', 0, '');
  expect(() => store.openIngest('ns', 'ref', 0, '')).toThrow(RefLockedError);
  expect(() => store.openIngest('other-ns', 'ref', 0, '').close()).not.toThrow();
  w.write(Buffer.from('part one,'));
  w.close();
  const resumed = store.openIngest('ns', 'ref', 0, '');
  expect(resumed.offset).toBe(9);
  expect(resumed.digest()).toBe(digestOf(Buffer.from('part one,')));
  resumed.write(Buffer.from(' two'));
  expect(resumed.commit(0, '').digest).toBe(digestOf(Buffer.from('part one, two')));
  expect(store.listIngests('other-ns').map((s) => s.ref)).toEqual(['ref']);
  store.abortIngest('other-ns', 'ref');
  expect(store.listIngests('other-ns')).toEqual([]);
});

test('declared sizes are enforced', () => {
  expect(() => store.openIngest('ns', 'huge', 2 ** 52, '')).toThrow(/declares \d+ more bytes but only \d+ are free/);
  expect(fs.readdirSync(store.ingestDir)).toEqual([]);
  const w = store.openIngest('ns', 'small', 3, '');
  expect(() => w.write(Buffer.from('four'))).toThrow(/goes past its declared size 3/);
  w.remove();
});

test('broken ingest directories are removed on recovery', () => {
  fs.mkdirSync(path.join(store.ingestDir, 'half-created'));
  store.removeBrokenIngests();
  expect(fs.readdirSync(store.ingestDir)).toEqual([]);
});
