// Namespaces, images and leases through a plain gRPC client: status codes for bad input,
// field masks, and garbage collection honouring leases and gc.ref labels.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Daemon, startDaemon } from './harness';
import { Clients, WriteSession, call, codeOf, connect, meta } from './grpc-client';

let daemon: Daemon;
let grpc: Clients;

beforeAll(async () => {
  daemon = await startDaemon('metadata');
  grpc = connect(daemon.socket);
});

afterAll(async () => {
  grpc?.close();
  await daemon?.stop();
});

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobExists = (digest: string) => fs.existsSync(path.join(daemon.root, 'content', 'blobs', 'sha256', digest.slice(7)));
const md = (ns: string, lease?: string) => meta(ns, lease);

async function writeBlob(ns: string, data: Buffer, labels: Record<string, string> = {}, lease?: string) {
  const s = new WriteSession(grpc.content, md(ns, lease));
  const ref = `ref-${digestOf(data).slice(7, 19)}`;
  await s.send({ action: 'STAT', ref, total: data.length, expected: digestOf(data) });
  await s.send({ action: 'COMMIT', ref, data, total: data.length, expected: digestOf(data), labels });
  await s.close();
  return digestOf(data);
}

const target = (digest: string, size: number) =>
  ({ media_type: 'application/vnd.oci.image.manifest.v1+json', digest, size, annotations: {} });

/** Writes a real config, layer and manifest (labelled for GC) and returns the manifest's descriptor. */
async function writeImage(ns: string, seed: string, opts: { lease?: string; root?: boolean } = {}) {
  const layerData = Buffer.from(`layer ${seed}`);
  const configData = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [digestOf(layerData)] } }));
  const layer = await writeBlob(ns, layerData, {}, opts.lease);
  const config = await writeBlob(ns, configData, {}, opts.lease);
  const manifestData = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configData.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: layerData.length }],
  }));
  const manifest = await writeBlob(ns, manifestData, {
    'containerd.io/gc.ref.content.config': config,
    'containerd.io/gc.ref.content.l.0': layer,
    ...(opts.root ? { 'containerd.io/gc.root': 'test' } : {}),
  }, opts.lease);
  return { manifest, config, layer, target: target(manifest, manifestData.length) };
}

describe('namespaces', () => {
  test('create, get, update labels by mask, delete', async () => {
    await call(grpc.namespaces, 'Create', { namespace: { name: 'n1', labels: { a: '1', b: '2' } } });
    expect(await codeOf(call(grpc.namespaces, 'Create', { namespace: { name: 'n1' } }))).toBe('ALREADY_EXISTS');
    const { namespace } = await call(grpc.namespaces, 'Update', {
      namespace: { name: 'n1', labels: { a: '9' } }, update_mask: { paths: ['labels.a', 'labels.b'] },
    });
    expect(namespace).toEqual({ name: 'n1', labels: { a: '9' } });
    expect((await call(grpc.namespaces, 'Get', { name: 'n1' })).namespace.labels).toEqual({ a: '9' });
    expect(await codeOf(call(grpc.namespaces, 'Update', { namespace: { name: 'n1' }, update_mask: { paths: ['name'] } }))).toBe('INVALID_ARGUMENT');
    await call(grpc.namespaces, 'Delete', { name: 'n1' });
    expect((await call(grpc.namespaces, 'Get', { name: 'n1' })).namespace).toEqual({ name: 'n1', labels: {} });
    expect(await codeOf(call(grpc.namespaces, 'Delete', { name: 'n1' }))).toBe('NOT_FOUND');
  });

  const names = async () =>
    (await call(grpc.namespaces, 'List', { filter: '' })).namespaces.map((n: { name: string }) => n.name);

  test('a namespace never used reads as one without labels, and Get does not create it', async () => {
    // dockerd --containerd-namespace reads the namespace's labels while it dials.
    expect((await call(grpc.namespaces, 'Get', { name: 'never-used' })).namespace).toEqual({ name: 'never-used', labels: {} });
    expect(await names()).not.toContain('never-used');
    expect(await codeOf(call(grpc.namespaces, 'Get', { name: 'a/b' }))).toBe('INVALID_ARGUMENT');
  });

  test('setting a label creates the namespace; replacing no labels with none does not', async () => {
    await call(grpc.namespaces, 'Update', { namespace: { name: 'unlabelled', labels: {} } });
    expect(await names()).not.toContain('unlabelled');
    await call(grpc.namespaces, 'Update', { namespace: { name: 'labelled', labels: { k: 'v' } }, update_mask: { paths: ['labels.k'] } });
    expect((await call(grpc.namespaces, 'List', { filter: 'name==labelled' })).namespaces).toEqual([{ name: 'labelled', labels: { k: 'v' } }]);
    await call(grpc.namespaces, 'Delete', { name: 'labelled' });
  });

  test('opening an ingest creates its namespace, as containerd\'s content writer does', async () => {
    const s = new WriteSession(grpc.content, md('ingesting'));
    await s.send({ action: 'WRITE', ref: 'partial', offset: 0, data: Buffer.from('half') });
    expect(await names()).toContain('ingesting');
    await s.close();
    await call(grpc.content, 'Abort', { ref: 'partial' }, md('ingesting'));
    await call(grpc.namespaces, 'Delete', { name: 'ingesting' });
  });

  test('a namespace holding only leases can be deleted, and its leases go with it', async () => {
    await call(grpc.leases, 'Create', { id: 'only-lease', labels: {} }, md('leased'));
    await call(grpc.namespaces, 'Delete', { name: 'leased' });
    expect(await names()).not.toContain('leased');
    expect((await call(grpc.leases, 'List', { filters: [] }, md('leased'))).leases).toEqual([]);
  });

  test('bad names are InvalidArgument', async () => {
    for (const name of ['', 'a/b', '-x', 'x..y', 'x'.repeat(77)]) {
      expect(await codeOf(call(grpc.namespaces, 'Create', { namespace: { name } }))).toBe('INVALID_ARGUMENT');
    }
  });

  test('a namespace holding content cannot be deleted (FailedPrecondition)', async () => {
    await writeBlob('busy', Buffer.from('keep me'), { 'containerd.io/gc.root': '1' });
    expect(await codeOf(call(grpc.namespaces, 'Delete', { name: 'busy' }))).toBe('FAILED_PRECONDITION');
  });
});

describe('images', () => {
  test('create, get, list with filters, update by mask, delete', async () => {
    const { target: manifestTarget } = await writeImage('img', 'app', { root: true });
    const image = { name: 'example.com/app:1', labels: { tier: 'web' }, target: manifestTarget };
    const created = (await call(grpc.images, 'Create', { image }, md('img'))).image;
    expect(created).toMatchObject({ name: image.name, labels: { tier: 'web' }, target: image.target });
    expect(created.created_at.seconds).toBeGreaterThan(0);
    expect(await codeOf(call(grpc.images, 'Create', { image }, md('img')))).toBe('ALREADY_EXISTS');
    await call(grpc.images, 'Create', { image: { ...image, name: 'example.com/app:2', labels: {} } }, md('img'));

    const names = async (filters: string[]) =>
      (await call(grpc.images, 'List', { filters }, md('img'))).images.map((i: { name: string }) => i.name);
    expect(await names([])).toEqual(['example.com/app:1', 'example.com/app:2']);
    expect(await names(['name==example.com/app:2'])).toEqual(['example.com/app:2']);
    expect(await names(['labels.tier==web'])).toEqual(['example.com/app:1']);
    expect(await names(['name~=:[0-9]$,labels.tier!=web'])).toEqual(['example.com/app:2']);
    expect(await names(['labels.tier==web', 'name==example.com/app:2'])).toEqual(['example.com/app:1', 'example.com/app:2']);
    expect(await codeOf(call(grpc.images, 'List', { filters: ['name=='] }, md('img')))).toBe('INVALID_ARGUMENT');

    const updated = (await call(grpc.images, 'Update', {
      image: { name: 'example.com/app:1', labels: { extra: 'x' }, target: { ...manifestTarget, size: 999 } },
      update_mask: { paths: ['labels.extra'] },
    }, md('img'))).image;
    expect(updated.labels).toEqual({ tier: 'web', extra: 'x' });
    expect(updated.target.size).toBe(manifestTarget.size);
    expect(await codeOf(call(grpc.images, 'Update', {
      image: { name: 'example.com/app:1', target: { ...manifestTarget, size: 999 } }, update_mask: { paths: ['target'] },
    }, md('img')))).toBe('FAILED_PRECONDITION');
    expect(await codeOf(call(grpc.images, 'Update', { image: { name: 'nope', target: manifestTarget } }, md('img')))).toBe('NOT_FOUND');

    await call(grpc.images, 'Delete', { name: 'example.com/app:2', sync: true }, md('img'));
    expect(await codeOf(call(grpc.images, 'Get', { name: 'example.com/app:2' }, md('img')))).toBe('NOT_FOUND');
    expect(await codeOf(call(grpc.images, 'Delete', { name: 'example.com/app:2' }, md('img')))).toBe('NOT_FOUND');
  });

  test('bad images are InvalidArgument', async () => {
    const good = target(`sha256:${'a'.repeat(64)}`, 1);
    expect(await codeOf(call(grpc.images, 'Create', { image: { name: '', target: good } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(call(grpc.images, 'Create', { image: { name: 'x', target: { ...good, digest: 'sha256:12' } } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(call(grpc.images, 'Create', { image: { name: 'x', target: { ...good, media_type: '' } } }))).toBe('INVALID_ARGUMENT');
  });

  test('an image must point at present, complete content', async () => {
    const missing = target(`sha256:${'a'.repeat(64)}`, 1);
    const err = await call(grpc.images, 'Create', { image: { name: 'x', target: missing } }).catch((e) => e);
    expect(err.code).toBe(9); // FAILED_PRECONDITION
    expect(err.details).toBe(`image "x": target ${missing.digest} is not in the content store of namespace "default"`);
    const lease = 'partial';
    await call(grpc.leases, 'Create', { id: lease });
    const { target: t, layer } = await writeImage('default', 'partial', { lease });
    await call(grpc.content, 'Delete', { digest: layer });
    expect(await codeOf(call(grpc.images, 'Create', { image: { name: 'x', target: t } }))).toBe('FAILED_PRECONDITION');
    expect(await codeOf(call(grpc.images, 'Get', { name: 'x' }))).toBe('NOT_FOUND');
    await call(grpc.leases, 'Delete', { id: lease });
    expect(await codeOf(call(grpc.content, 'Info', { digest: t.digest }))).toBe('NOT_FOUND');
  });
});

describe('leases and garbage collection', () => {
  test('lease resources: add, list, delete; bad types rejected', async () => {
    const { lease } = await call(grpc.leases, 'Create', { id: 'l1', labels: { why: 'test' } }, md('gc'));
    expect(lease).toMatchObject({ id: 'l1', labels: { why: 'test' } });
    expect(await codeOf(call(grpc.leases, 'Create', { id: 'l1' }, md('gc')))).toBe('ALREADY_EXISTS');
    const generated = (await call(grpc.leases, 'Create', { id: '' }, md('gc'))).lease.id;
    expect(generated).toMatch(/^\d+-[A-Za-z0-9_-]{4}$/);
    await call(grpc.leases, 'Delete', { id: generated }, md('gc'));
    const digest = `sha256:${'b'.repeat(64)}`;
    await call(grpc.leases, 'AddResource', { id: 'l1', resource: { id: digest, type: 'content' } }, md('gc'));
    await call(grpc.leases, 'AddResource', { id: 'l1', resource: { id: 'k1', type: 'snapshots/overlayfs' } }, md('gc'));
    expect(await codeOf(call(grpc.leases, 'AddResource', { id: 'l1', resource: { id: 'x', type: 'bogus' } }, md('gc')))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(call(grpc.leases, 'AddResource', { id: 'l1', resource: { id: 'nodigest', type: 'content' } }, md('gc')))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(call(grpc.leases, 'AddResource', { id: 'missing', resource: { id: digest, type: 'content' } }, md('gc')))).toBe('NOT_FOUND');
    expect((await call(grpc.leases, 'ListResources', { id: 'l1' }, md('gc'))).resources)
      .toEqual([{ id: digest, type: 'content' }, { id: 'k1', type: 'snapshots/overlayfs' }]);
    await call(grpc.leases, 'DeleteResource', { id: 'l1', resource: { id: 'k1', type: 'snapshots/overlayfs' } }, md('gc'));
    expect((await call(grpc.leases, 'ListResources', { id: 'l1' }, md('gc'))).resources).toEqual([{ id: digest, type: 'content' }]);
    expect((await call(grpc.leases, 'List', { filters: ['labels.why==test'] }, md('gc'))).leases.map((l: { id: string }) => l.id)).toEqual(['l1']);
    await call(grpc.leases, 'Delete', { id: 'l1' }, md('gc'));
    expect(await codeOf(call(grpc.leases, 'Delete', { id: 'l1' }, md('gc')))).toBe('NOT_FOUND');
  });

  test('content written under a lease lives until the lease ends, then only what an image reaches stays', async () => {
    await call(grpc.leases, 'Create', { id: 'import' }, md('gc'));
    const stray = await writeBlob('gc', Buffer.from('nobody references me'), {}, 'import');
    const { manifest, config, layer, target: t } = await writeImage('gc', 'gc', { lease: 'import' });
    expect((await call(grpc.leases, 'ListResources', { id: 'import' }, md('gc'))).resources).toHaveLength(4);
    await call(grpc.images, 'Create', { image: { name: 'app', target: t } }, md('gc'));
    await call(grpc.leases, 'Delete', { id: 'import', sync: true }, md('gc'));

    for (const d of [manifest, config, layer]) expect(blobExists(d)).toBe(true);
    expect(blobExists(stray)).toBe(false);
    expect(await codeOf(call(grpc.content, 'Info', { digest: stray }, md('gc')))).toBe('NOT_FOUND');

    await call(grpc.images, 'Delete', { name: 'app', sync: true }, md('gc'));
    for (const d of [manifest, config, layer]) expect(blobExists(d)).toBe(false);
    await call(grpc.namespaces, 'Delete', { name: 'gc' });
  });
});
