// The Snapshots and Diff handlers served over gRPC on a temp socket (root: real overlay mounts),
// exercised by a grpc-js client and by the stock `ctr` client.
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { diffService } from '../../../src/daemon/diff/service';
import { snapshotsService } from '../../../src/daemon/snapshots/service';
import { buildTar } from '../../../src/diff/tar/writer';
import { mountAll, unmountAll } from '../../../src/mount';
import { NativeSnapshotter } from '../../../src/snapshots/native';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';
import { grpcAvailable, serve } from './grpc-harness';

const runnable = process.getuid!() === 0 && grpcAvailable();
const maybe = runnable ? describe : describe.skip;

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function ctr(socket: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ctr', ['--address', socket, '--namespace', 'test', ...args], { timeout: 20000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

maybe('snapshots and diff services over gRPC', () => {
  let dir: string;
  let harness: Awaited<ReturnType<typeof serve>>;
  let socket: string;
  let mounted: string[];
  const blobs = new Map<string, Buffer>();
  const blobLabels = new Map<string, Record<string, string>>();

  const layer1 = zlib.gzipSync(buildTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', type: 'file', data: 'ID=runts\n' },
    { name: 'etc/old', type: 'file', data: 'old\n' },
    { name: 'var/', type: 'directory' }, { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/x', type: 'file', data: 'x' },
  ]));
  const layer2Tar = buildTar([
    { name: 'etc/.wh.old', type: 'file' },
    { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/.wh..wh..opq', type: 'file' },
    { name: 'var/cache/y', type: 'file', data: 'y' },
    { name: 'bin/', type: 'directory' }, { name: 'bin/sh', type: 'file', data: '#!/bin/true\n', mode: 0o755 },
  ]);
  const layer2 = layer2Tar;

  beforeAll(() => {
    blobs.set(sha256(layer1), layer1);
    blobs.set(sha256(layer2), layer2);
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-snapsvc-'));
    socket = path.join(dir, 'runtsd.sock');
    mounted = [];
    const snapshotters = {
      overlayfs: new OverlaySnapshotter(path.join(dir, 'overlayfs')),
      native: new NativeSnapshotter(path.join(dir, 'native')),
    };
    const content = {
      async *read(_ns: string, digest: string) {
        const blob = blobs.get(digest);
        if (!blob) throw Object.assign(new Error(`content ${digest}: not found`), { kind: 'not-found' });
        yield blob;
      },
      async write(_ns: string, _ref: string, data: AsyncIterable<Buffer>, labels: () => Record<string, string>) {
        const chunks: Buffer[] = [];
        for await (const chunk of data) chunks.push(chunk);
        const blob = Buffer.concat(chunks);
        blobs.set(sha256(blob), blob);
        blobLabels.set(sha256(blob), labels());
        return { digest: sha256(blob), size: blob.length };
      },
    };
    harness = await serve(socket, [
      { name: 'containerd.services.snapshots.v1.Snapshots', handlers: snapshotsService({ snapshotters, defaultSnapshotter: 'overlayfs' }) as any, streaming: ['List'] },
      { name: 'containerd.services.diff.v1.Diff', handlers: diffService({ content }) as any },
    ]);
  });

  afterEach(async () => {
    for (const target of mounted.reverse()) await unmountAll(target).catch(() => undefined);
    await harness.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function call(service: string, method: string, request: object, namespace = 'test'): Promise<any> {
    const client = harness.client(service);
    return new Promise((resolve, reject) => {
      client[method](request, harness.metadata(namespace), (err: any, res: any) => {
        client.close();
        if (err) reject(err);
        else resolve(res);
      });
    });
  }
  const snap = (method: string, request: object, ns?: string) => call('containerd.services.snapshots.v1.Snapshots', method, request, ns);
  const diff = (method: string, request: object) => call('containerd.services.diff.v1.Diff', method, request);

  async function unpack(snapshotter: string) {
    const p1 = await snap('Prepare', { snapshotter, key: 'extract-1', parent: '' });
    const a1 = await diff('Apply', { diff: { media_type: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer1), size: layer1.length }, mounts: p1.mounts });
    expect(a1.applied).toMatchObject({ media_type: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(zlib.gunzipSync(layer1)) });
    await snap('Commit', { snapshotter, name: 'layer-1', key: 'extract-1', labels: { 'containerd.io/uncompressed': a1.applied.digest } });
    const p2 = await snap('Prepare', { snapshotter, key: 'extract-2', parent: 'layer-1' });
    const a2 = await diff('Apply', { diff: { media_type: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer2), size: layer2.length }, mounts: p2.mounts });
    expect(a2.applied.digest).toBe(sha256(layer2Tar));
    expect(a2.applied.size).toBe(layer2Tar.length);
    await snap('Commit', { snapshotter, name: 'layer-2', key: 'extract-2' });
  }

  for (const snapshotter of ['overlayfs', 'native']) {
    test(`${snapshotter}: Prepare/Apply/Commit a 2-layer chain, mount it, View, Stat, List, Usage, Update, Remove`, async () => {
      await unpack(snapshotter);
      const prepared = await snap('Prepare', { snapshotter, key: 'ctr-1', parent: 'layer-2', labels: { owner: 'test' } });
      expect(prepared.mounts[0].type).toBe(snapshotter === 'overlayfs' ? 'overlay' : 'bind');
      expect((await snap('Mounts', { snapshotter, key: 'ctr-1' })).mounts).toEqual(prepared.mounts);
      const rootfs = path.join(dir, 'rootfs');
      fs.mkdirSync(rootfs);
      await mountAll(prepared.mounts, rootfs);
      mounted.push(rootfs);
      expect(fs.readdirSync(path.join(rootfs, 'etc'))).toEqual(['os-release']);
      expect(fs.readdirSync(path.join(rootfs, 'var/cache'))).toEqual(['y']);
      expect(fs.statSync(path.join(rootfs, 'bin/sh')).mode & 0o777).toBe(0o755);
      fs.writeFileSync(path.join(rootfs, 'etc/os-release'), 'changed');

      const view = await snap('View', { snapshotter, key: 'view-1', parent: 'layer-2' });
      const viewDir = path.join(dir, 'view');
      fs.mkdirSync(viewDir);
      await mountAll(view.mounts, viewDir);
      mounted.push(viewDir);
      expect(fs.readFileSync(path.join(viewDir, 'etc/os-release'), 'utf8')).toBe('ID=runts\n');

      const stat = await snap('Stat', { snapshotter, key: 'layer-1' });
      expect(stat.info).toMatchObject({ name: 'layer-1', parent: '', kind: 'COMMITTED', labels: { 'containerd.io/uncompressed': sha256(zlib.gunzipSync(layer1)) } });
      expect(Number(stat.info.created_at.seconds)).toBeGreaterThan(1.6e9);
      const updated = await snap('Update', { snapshotter, info: { name: 'ctr-1', labels: { extra: 'yes' } }, update_mask: { paths: ['labels.extra'] } });
      expect(updated.info.labels).toEqual({ owner: 'test', extra: 'yes' });
      const usage = await snap('Usage', { snapshotter, key: 'ctr-1' });
      expect(usage.inodes).toBeGreaterThan(0);

      const listed: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const client = harness.client('containerd.services.snapshots.v1.Snapshots');
        const stream = client.List({ snapshotter, filters: [] }, harness.metadata('test'));
        stream.on('data', (m: any) => listed.push(...m.info.map((i: any) => `${i.name}:${i.kind}:${i.parent}`)));
        stream.on('end', () => { client.close(); resolve(); });
        stream.on('error', reject);
      });
      expect(listed.sort()).toEqual(['ctr-1:ACTIVE:layer-2', 'layer-1:COMMITTED:', 'layer-2:COMMITTED:layer-1', 'view-1:VIEW:layer-2']);

      // namespaces are separate
      await expect(snap('Stat', { snapshotter, key: 'layer-1' }, 'other')).rejects.toMatchObject({ code: 5, details: 'snapshot "layer-1" does not exist' });
      await expect(snap('Prepare', { snapshotter, key: 'ctr-1', parent: 'layer-2' })).rejects.toMatchObject({ code: 6 });
      await expect(snap('Remove', { snapshotter, key: 'layer-2' })).rejects.toMatchObject({ code: 9 });

      await unmountAll(rootfs);
      await unmountAll(viewDir);
      mounted = [];
      for (const key of ['ctr-1', 'view-1', 'layer-2', 'layer-1']) await snap('Remove', { snapshotter, key });
      await snap('Cleanup', { snapshotter });
      expect(fs.readdirSync(path.join(dir, snapshotter, 'snapshots'))).toEqual([]);
    });
  }

  test('Diff turns a container\'s changes into a gzip layer that Apply replays', async () => {
    await unpack('overlayfs');
    const container = await snap('Prepare', { key: 'ctr-1', parent: 'layer-2' });
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(rootfs);
    await mountAll(container.mounts, rootfs);
    mounted.push(rootfs);
    fs.writeFileSync(path.join(rootfs, 'etc/os-release'), 'ID=changed\n');
    fs.rmSync(path.join(rootfs, 'bin/sh'));
    await unmountAll(rootfs);
    mounted = [];
    const left = await snap('View', { key: 'left', parent: 'layer-2' });
    const result = await diff('Diff', { left: left.mounts, right: container.mounts, media_type: '', ref: 'commit-1', labels: { purpose: 'test' } });
    expect(result.diff.media_type).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const blob = blobs.get(result.diff.digest)!;
    expect(blob.length).toBe(result.diff.size);
    const diffId = sha256(zlib.gunzipSync(blob));
    expect(blobLabels.get(result.diff.digest)).toEqual({ purpose: 'test', 'containerd.io/uncompressed': diffId });

    const replay = await snap('Prepare', { key: 'replay', parent: 'layer-2' });
    const applied = await diff('Apply', { diff: result.diff, mounts: replay.mounts });
    expect(applied.applied.digest).toBe(diffId);
    await mountAll(replay.mounts, rootfs);
    mounted.push(rootfs);
    expect(fs.readFileSync(path.join(rootfs, 'etc/os-release'), 'utf8')).toBe('ID=changed\n');
    expect(fs.readdirSync(path.join(rootfs, 'bin'))).toEqual([]);
    const zstd = await diff('Diff', { left: left.mounts, right: container.mounts, media_type: 'application/vnd.oci.image.layer.v1.tar+zstd' });
    expect(blobs.get(zstd.diff.digest)!.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(blobLabels.get(zstd.diff.digest)!['containerd.io/uncompressed']).toBe(diffId);
    await expect(diff('Diff', { left: left.mounts, right: container.mounts, media_type: 'application/vnd.oci.image.config.v1+json' }))
      .rejects.toMatchObject({ code: 12 });
  });

  test('Apply errors: unknown blob, non-layer media type, wrong digest', async () => {
    const p = await snap('Prepare', { key: 'k', parent: '' });
    await expect(diff('Apply', { diff: { media_type: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:' + '1'.repeat(64), size: 1 }, mounts: p.mounts }))
      .rejects.toMatchObject({ code: 5 });
    await expect(diff('Apply', { diff: { media_type: 'application/vnd.oci.image.config.v1+json', digest: sha256(layer1), size: 1 }, mounts: p.mounts }))
      .rejects.toMatchObject({ code: 12 });
    const forged = Buffer.from(layer2);
    blobs.set('sha256:' + 'f'.repeat(64), forged);
    await expect(diff('Apply', { diff: { media_type: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:' + 'f'.repeat(64), size: forged.length }, mounts: p.mounts }))
      .rejects.toMatchObject({ code: 3, details: expect.stringMatching(/layer digest mismatch/) });
  });

  test('the stock ctr client: snapshots prepare, commit, ls, tree, info, mounts, label, usage, rm', async () => {
    await unpack('overlayfs');
    const ok = async (args: string[]) => {
      const r = await ctr(socket, args);
      if (r.code !== 0) throw new Error(`ctr ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    const ls = await ok(['snapshots', 'ls']);
    expect(ls).toMatch(/layer-2\s+layer-1\s+Committed/);
    await ok(['snapshots', 'prepare', 'work', 'layer-2']);
    expect(await ok(['snapshots', 'tree'])).toMatch(/layer-1\n\s+\\_ layer-2\n\s+\\_ work/);
    const info = JSON.parse(await ok(['snapshots', 'info', 'work']));
    expect(info).toMatchObject({ Kind: 'Active', Name: 'work', Parent: 'layer-2' });
    const mounts = await ok(['snapshots', 'mounts', '/mnt/x', 'work']);
    expect(mounts).toMatch(/^mount -t overlay overlay \/mnt\/x -o workdir=.*,upperdir=.*,lowerdir=/);
    await ok(['snapshots', 'label', 'work', 'color=blue']);
    // ctr itself adds containerd.io/gc.root on prepare
    expect(JSON.parse(await ok(['snapshots', 'info', 'work'])).Labels).toMatchObject({ color: 'blue', 'containerd.io/gc.root': expect.any(String) });
    expect(await ok(['snapshots', 'usage', 'work'])).toMatch(/work\s+\d/);
    await ok(['snapshots', 'commit', 'done', 'work']);
    await ok(['snapshots', 'view', 'look', 'done']);
    await ok(['snapshots', 'rm', 'look', 'done']);
    expect(await ok(['snapshots', 'ls'])).not.toContain('done');
    const missing = await ctr(socket, ['snapshots', 'rm', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('snapshot "nope" does not exist');
  });
});
