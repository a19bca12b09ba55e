// The Snapshots handlers called directly with proto-loader-shaped requests (no gRPC, no root).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { snapshotsService } from '../../../src/daemon/snapshots/service';
import { NativeSnapshotter } from '../../../src/snapshots/native';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';

let dir: string;
let svc: ReturnType<typeof snapshotsService>;
const ns = { namespace: 'default' };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-snapsvc-unit-'));
  svc = snapshotsService({
    snapshotters: { overlayfs: new OverlaySnapshotter(path.join(dir, 'o')), native: new NativeSnapshotter(path.join(dir, 'n')) },
    defaultSnapshotter: 'overlayfs',
  });
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('responses have the containerd wire shape', async () => {
  const prepared = await svc.Prepare({ snapshotter: '', key: 'a', parent: '', labels: { x: '1' } }, ns);
  expect(prepared).toEqual({ mounts: [{ type: 'bind', source: path.join(dir, 'o/snapshots/1/fs'), target: '', options: ['rw', 'rbind'] }] });
  await svc.Commit({ snapshotter: 'overlayfs', name: 'A', key: 'a', labels: {} }, ns);
  const { info } = await svc.Stat({ snapshotter: '', key: 'A' }, ns);
  expect(info).toMatchObject({ name: 'A', parent: '', kind: 'COMMITTED', labels: {} });
  expect(info.created_at.seconds).toBeGreaterThan(1.6e9);
  expect(info.created_at.nanos % 1e6).toBe(0);
  expect(await svc.Usage({ key: 'A' }, ns)).toEqual({ size: expect.any(Number), inodes: 1 });
  const updated = await svc.Update({ info: { name: 'A', labels: { keep: 'y' } }, update_mask: null }, ns);
  expect(updated.info.labels).toEqual({ keep: 'y' });
});

test('List comes in batches of at most 100 and only from the caller\'s namespace', async () => {
  for (let i = 0; i < 150; i++) await svc.Prepare({ key: `k${i}`, parent: '' }, ns);
  await svc.Prepare({ key: 'elsewhere', parent: '' }, { namespace: 'other' });
  const batches = await svc.List({ filters: [] }, ns);
  expect(batches.map((b) => b.info.length)).toEqual([100, 50]);
  expect(batches.flatMap((b) => b.info).some((i) => i.name === 'elsewhere')).toBe(false);
  const other = await svc.List({ filters: ['kind==ACTIVE', 'kind==active'] }, { namespace: 'other' });
  expect(other.flatMap((b) => b.info.map((i) => i.name))).toEqual(['elsewhere']);
  expect(await svc.List({}, { namespace: 'empty' })).toEqual([]);
});

test('namespaces keep keys apart and errors name the caller\'s keys', async () => {
  await svc.Prepare({ key: 'same', parent: '' }, ns);
  await svc.Prepare({ key: 'same', parent: '' }, { namespace: 'other' });
  await svc.Commit({ name: 'base', key: 'same' }, ns);
  await expect(svc.Prepare({ key: 'child', parent: 'base' }, { namespace: 'other' }))
    .rejects.toMatchObject({ kind: 'not-found', message: 'parent snapshot "base" does not exist' });
  await expect(svc.Prepare({ key: 'x', parent: '' }, { namespace: '' })).rejects.toMatchObject({ kind: 'invalid', message: expect.stringMatching(/namespace is required/) });
  await expect(svc.Prepare({ snapshotter: 'zfs', key: 'x' }, ns)).rejects.toThrow('snapshotter "zfs" is not available (have: overlayfs, native)');
  const child = await svc.Prepare({ snapshotter: '', key: 'child', parent: 'base' }, ns);
  expect(child.mounts[0].type).toBe('overlay');
  const { info } = await svc.Stat({ key: 'child' }, ns);
  expect(info.parent).toBe('base');
});
