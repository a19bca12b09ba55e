// The metadata store on a real LMDB environment in a temp dir.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MetadataStore } from '../../../src/metadata/store';
import {
  createNamespace, deleteNamespace, getNamespace, listNamespaces, namespaceLabels, updateNamespace,
} from '../../../src/metadata/namespaces';
import { addContent, getContent } from '../../../src/metadata/content';
import { createImage } from '../../../src/metadata/images';
import { createLease, listLeases } from '../../../src/metadata/leases';
import { collectGarbage } from '../../../src/metadata/gc';

let dir: string;
let store: MetadataStore;
const d = (c: string) => `sha256:${c.repeat(64)}`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-meta-'));
  store = MetadataStore.open(dir);
});

afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a throw inside update rolls back every change of the transaction', () => {
  expect(() => store.update((t) => {
    createNamespace(t, 'one', {});
    addContent(t, 'one', { digest: d('a'), size: 1, labels: {} });
    throw new Error('boom');
  })).toThrow('boom');
  expect(store.view(listNamespaces)).toEqual([]);
  expect(() => store.view((t) => getContent(t, 'one', d('a')))).toThrow(/not found/);
});

test('records survive reopening the store', async () => {
  store.update((t) => createNamespace(t, 'kept', { k: 'v' }));
  await store.close();
  store = MetadataStore.open(dir);
  expect(store.view((t) => getNamespace(t, 'kept'))).toEqual({ name: 'kept', labels: { k: 'v' } });
});

test('namespaces are created implicitly and must be empty to delete', () => {
  store.update((t) => addContent(t, 'auto', { digest: d('a'), size: 1, labels: {} }));
  expect(store.view(listNamespaces).map((n) => n.name)).toEqual(['auto']);
  expect(() => store.update((t) => deleteNamespace(t, 'auto'))).toThrow(/namespace "auto" must be empty, but it still has content/);
});

test('a namespace never used has no labels, and setting one brings it into being', () => {
  expect(store.view((t) => namespaceLabels(t, 'fresh'))).toEqual({ name: 'fresh', labels: {} });
  store.update((t) => updateNamespace(t, { name: 'fresh', labels: {} }, []));
  expect(store.view(listNamespaces)).toEqual([]);
  store.update((t) => updateNamespace(t, { name: 'fresh', labels: { k: 'v' } }, ['labels.k']));
  expect(store.view(listNamespaces)).toEqual([{ name: 'fresh', labels: { k: 'v' } }]);
  expect(() => store.view((t) => namespaceLabels(t, 'no/slash'))).toThrow(/namespace/);
});

test('leases do not keep a namespace: they are deleted with it', () => {
  store.update((t) => createLease(t, 'leased', 'l1', {}));
  store.update((t) => deleteNamespace(t, 'leased'));
  expect(store.view(listNamespaces)).toEqual([]);
  expect(store.view((t) => listLeases(t, 'leased'))).toEqual([]);
});

test('a table another service opens joins transactions and keeps namespaces from deletion', async () => {
  const containers = store.table<{ image: string }>('containers');
  expect(() => store.update((t) => {
    createNamespace(t, 'svc', {});
    containers.putSync('svc/c1', { image: 'busybox' });
    throw new Error('abort');
  })).toThrow('abort');
  expect(containers.get('svc/c1')).toBeUndefined();
  store.update((t) => {
    createNamespace(t, 'svc', {});
    containers.putSync('svc/c1', { image: 'busybox' });
  });
  expect(() => store.update((t) => deleteNamespace(t, 'svc'))).toThrow(/still has containers/);
  await store.close();
  store = MetadataStore.open(dir);
  expect(store.table<{ image: string }>('containers').get('svc/c1')).toEqual({ image: 'busybox' });
});

test('namespaces whose names share a prefix do not see each other', () => {
  store.update((t) => addContent(t, 'ab', { digest: d('a'), size: 1, labels: {} }));
  store.update((t) => createNamespace(t, 'a', {}));
  expect(() => store.update((t) => deleteNamespace(t, 'a'))).not.toThrow();
});

test('gc keeps what images, leases and gc.root reach, through gc.ref labels', () => {
  const unreferenced = store.update((t) => {
    addContent(t, 'ns', { digest: d('1'), size: 1, labels: { 'containerd.io/gc.ref.content.l.0': d('2') } });
    addContent(t, 'ns', { digest: d('2'), size: 1, labels: {} });
    addContent(t, 'ns', { digest: d('3'), size: 1, labels: {} });
    addContent(t, 'ns', { digest: d('4'), size: 1, labels: { 'containerd.io/gc.root': 'yes' } });
    createLease(t, 'ns', 'l', {});
    addContent(t, 'ns', { digest: d('5'), size: 1, labels: {} }, 'l');
    addContent(t, 'other', { digest: d('3'), size: 1, labels: {} }, undefined);
    createLease(t, 'other', 'keep', {});
    addContent(t, 'other', { digest: d('6'), size: 1, labels: {} }, 'keep');
    createImage(t, 'ns', { name: 'img', labels: {}, target: { mediaType: 'm', digest: d('1'), size: 1, annotations: {} } });
    return collectGarbage(t).blobs;
  });
  // d('3') is dropped from both namespaces, so its blob is no longer referenced anywhere.
  expect(unreferenced).toEqual([d('3')]);
  const kept = (ns: string, c: string) => store.view((t) => { try { getContent(t, ns, d(c)); return true; } catch { return false; } });
  expect(['1', '2', '4', '5'].map((c) => kept('ns', c))).toEqual([true, true, true, true]);
  expect(kept('ns', '3')).toBe(false);
  expect(kept('other', '6')).toBe(true);
});

test('an expired lease protects nothing; one expiring later still does', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const unreferenced = store.update((t) => {
    createLease(t, 'ns', 'expired', { 'containerd.io/gc.expire': '2026-01-01T11:59:59Z' });
    createLease(t, 'ns', 'valid', { 'containerd.io/gc.expire': '2026-01-02T12:00:00Z' });
    addContent(t, 'ns', { digest: d('7'), size: 1, labels: {} }, 'expired');
    addContent(t, 'ns', { digest: d('8'), size: 1, labels: {} }, 'valid');
    return collectGarbage(t, { now }).blobs;
  });
  expect(unreferenced).toEqual([d('7')]);
  expect(store.view((t) => [...t.leases.getKeys()])).toEqual(['ns/valid']);
});

test('registered kinds are collected through leases, labels, parents and root sources', () => {
  const snapshots = store.table<{ parent?: string; labels: Record<string, string> }>('snapshots');
  const kind = {
    type: 'snapshots/overlayfs',
    refLabelPrefix: 'containerd.io/gc.ref.snapshot.overlayfs',
    list: (_t: unknown, ns: string) => [...snapshots.getRange({ start: `${ns}/`, end: `${ns}0` })].map(({ key, value }) => ({
      id: String(key).slice(ns.length + 1), labels: value.labels, refs: value.parent ? [value.parent] : [],
    })),
    remove: (_t: unknown, ns: string, ids: string[]) => ids.forEach((id) => snapshots.removeSync(`${ns}/${id}`)),
  };
  const result = store.update((t) => {
    // config -> snapshot "top" -> parent "base"; "leased" held by a lease; "container" by a root source.
    addContent(t, 'ns', { digest: d('c'), size: 1, labels: { 'containerd.io/gc.ref.snapshot.overlayfs': 'top', 'containerd.io/gc.root': 'x' } });
    for (const [id, parent] of [['base', undefined], ['top', 'base'], ['leased', undefined], ['container', undefined], ['orphan', 'base']] as const) {
      snapshots.putSync(`ns/${id}`, { parent, labels: {} });
    }
    createLease(t, 'ns', 'hold', {});
    t.leases.putSync('ns/hold', { ...t.leases.get('ns/hold')!, resources: [{ type: 'snapshots/overlayfs', id: 'leased' }] });
    return collectGarbage(t, { kinds: [kind], rootSources: [() => [{ type: 'snapshots/overlayfs', id: 'container' }]] });
  });
  expect(result.removed).toEqual([{ type: 'snapshots/overlayfs', namespace: 'ns', id: 'orphan' }]);
  expect([...snapshots.getKeys()].sort()).toEqual(['ns/base', 'ns/container', 'ns/leased', 'ns/top']);
});
