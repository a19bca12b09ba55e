// The full `ctr images import` (with unpack through runtsd's snapshots and diff services), then
// garbage collection of snapshots once nothing references them.
import * as fs from 'fs';
import * as path from 'path';
import { Daemon, startDaemon, tableRows } from './harness';
import { BuiltImage, buildBusyboxOciArchive } from './oci-archive';

const NAME = 'example.com/unpack:1';
let daemon: Daemon;
let image: BuiltImage;

beforeAll(async () => {
  daemon = await startDaemon('unpack');
  const work = path.join(daemon.dir, 'image');
  fs.mkdirSync(work);
  image = buildBusyboxOciArchive(work, NAME);
});

afterAll(async () => {
  await daemon?.stop();
});

const snapshots = () => tableRows(daemon.ctr('snapshots', 'ls'));

test('ctr images import unpacks the layer into a committed snapshot; images check is complete', () => {
  const out = daemon.ctr('images', 'import', image.tarPath);
  expect(out).toContain(`unpacking ${NAME}`);
  expect(snapshots()).toEqual([[image.digests.layer, 'Committed']]);
  const check = tableRows(daemon.ctr('images', 'check'));
  expect(check[0][0]).toBe(NAME);
  expect(check[0].join(' ')).toMatch(/complete \(2\/2\).* true$/);
  // The unpacked snapshot's tree is the layer's.
  const snapshotDirs = fs.readdirSync(daemon.root).filter((d) => d.startsWith('io.containerd.snapshotter.v1.'));
  expect(snapshotDirs.length).toBeGreaterThan(0);
  const config = tableRows(daemon.ctr('content', 'ls')).find((r) => r[0] === image.digests.config)!;
  expect(config.join(' ')).toContain(`containerd.io/gc.ref.snapshot.`);
  expect(tableRows(daemon.ctr('leases', 'ls'))).toEqual([]);
});

test('a second import finds the snapshot and keeps a single one', () => {
  daemon.ctr('images', 'import', image.tarPath);
  expect(snapshots()).toHaveLength(1);
});

test('a snapshot held by nothing is collected; one labelled gc.root is kept', () => {
  // ctr labels the snapshots it prepares containerd.io/gc.root; take it off "scratch".
  daemon.ctr('snapshots', 'prepare', 'scratch', image.digests.layer);
  daemon.ctr('snapshots', 'label', 'scratch', 'containerd.io/gc.root=');
  daemon.ctr('snapshots', 'prepare', 'kept', image.digests.layer);
  expect(snapshots().map((r) => r[0]).sort()).toEqual(['kept', 'scratch', image.digests.layer].sort());
  // Any lease removal runs a collection.
  daemon.ctr('leases', 'create', '--id', 'trigger');
  daemon.ctr('leases', 'rm', 'trigger');
  expect(snapshots().map((r) => r[0]).sort()).toEqual(['kept', image.digests.layer].sort());
  daemon.ctr('snapshots', 'rm', 'kept');
});

test('a namespace holding only snapshots cannot be deleted', () => {
  daemon.ctr('-n', 'snaps-only', 'snapshots', 'prepare', 'lonely');
  const r = daemon.ctrResult('namespaces', 'rm', 'snaps-only');
  expect(r.stderr).toContain('namespace "snaps-only" must be empty, but it still has snapshots');
  daemon.ctr('-n', 'snaps-only', 'snapshots', 'rm', 'lonely');
  daemon.ctr('namespaces', 'rm', 'snaps-only');
  expect(daemon.ctr('namespaces', 'ls', '-q')).not.toContain('snaps-only');
});

test('removing the image collects its content and its snapshot', () => {
  daemon.ctr('images', 'rm', '--sync', NAME);
  expect(tableRows(daemon.ctr('images', 'ls'))).toEqual([]);
  expect(tableRows(daemon.ctr('content', 'ls'))).toEqual([]);
  expect(snapshots()).toEqual([]);
});
