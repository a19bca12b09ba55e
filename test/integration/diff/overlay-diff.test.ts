// Diff of a container's overlay snapshot (upper dir fast path and the mounted generic path):
// the produced layer, applied onto the parent chain, reproduces the container's merged view.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyLayerToMounts } from '../../../src/diff/apply-mounts';
import { withChanges } from '../../../src/diff/diff-mounts';
import { ChangeEntry } from '../../../src/diff/changes';
import { writeLayer } from '../../../src/diff/write-layer';
import { buildTar, WriteEntry } from '../../../src/diff/tar/writer';
import { mountAll, unmountAll } from '../../../src/mount';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';
import { Mount } from '../../../src/snapshots/types';

const maybe = process.getuid!() === 0 ? describe : describe.skip;

let base: string;
let mounted: string[];
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-diffint-'));
  mounted = [];
});
afterEach(async () => {
  for (const target of mounted.reverse()) await unmountAll(target).catch(() => undefined);
  fs.rmSync(base, { recursive: true, force: true });
});

async function mountAt(mounts: Mount[], name: string) {
  const target = path.join(base, name);
  fs.mkdirSync(target);
  await mountAll(mounts, target);
  mounted.push(target);
  return target;
}

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p);
      out.push(`${r} ${st.mode.toString(8)} ${st.isFile() ? fs.readFileSync(p, 'utf8') : st.isSymbolicLink() ? fs.readlinkSync(p) : ''}`);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

async function* once(data: Buffer) {
  yield data;
}

async function layerOf(changes: AsyncIterable<ChangeEntry>): Promise<{ blob: Buffer; names: string[] }> {
  const names: string[] = [];
  async function* logged() {
    for await (const c of changes) {
      names.push(`${c.kind}:${c.name}`);
      yield c;
    }
  }
  const layer = writeLayer(logged(), 'gzip');
  const chunks: Buffer[] = [];
  for await (const chunk of layer.stream) chunks.push(chunk);
  return { blob: Buffer.concat(chunks), names };
}

const baseLayer: Array<WriteEntry & { data?: string }> = [
  { name: 'etc/', type: 'directory' }, { name: 'etc/a', type: 'file', data: 'a' }, { name: 'etc/b', type: 'file', data: 'b' },
  { name: 'cache/', type: 'directory' }, { name: 'cache/old', type: 'file', data: 'old' },
];

maybe('Diff of an overlay snapshot', () => {
  for (const mode of ['upper dir fast path', 'mounted generic walk'] as const) {
    test(mode, async () => {
      const s = new OverlaySnapshotter(path.join(base, 'overlayfs'));
      await applyLayerToMounts(await s.prepare('e1', ''), once(buildTar(baseLayer)));
      await s.commit('L1', 'e1');
      const containerMounts = await s.prepare('container', 'L1');
      const rootfs = await mountAt(containerMounts, 'rootfs');
      fs.writeFileSync(path.join(rootfs, 'etc/a'), 'changed');
      fs.rmSync(path.join(rootfs, 'etc/b'));
      fs.rmSync(path.join(rootfs, 'cache'), { recursive: true });
      fs.mkdirSync(path.join(rootfs, 'cache'));
      fs.writeFileSync(path.join(rootfs, 'cache/new'), 'new');
      fs.symlinkSync('etc/a', path.join(rootfs, 'link'));
      const expected = tree(rootfs);
      await unmountAll(rootfs);
      mounted = [];

      // fast path: the left side is exactly the container's lower layers;
      // generic walk: no left side, so the overlay is mounted and its whole merged tree is the layer
      const fast = mode === 'upper dir fast path';
      const left = fast ? await s.view('left', 'L1') : [];
      const { blob, names } = await withChanges(left, containerMounts, (changes) => layerOf(changes));
      if (fast) {
        expect(names).toEqual(expect.arrayContaining(['whiteout:etc/b', 'opaque:cache', 'path:cache/new', 'path:link']));
      } else {
        expect(names).toEqual(expect.arrayContaining(['path:etc', 'path:etc/a', 'path:cache/new']));
        expect(names.some((n) => !n.startsWith('path:'))).toBe(false);
      }
      expect(execFileSync('findmnt', ['-rn', '-o', 'TARGET']).toString()).not.toContain('runts-diff-');

      // the layer applied on its base reproduces the container's tree
      await s.commit('C', 'container');
      await applyLayerToMounts(await s.prepare('replay', fast ? 'L1' : ''), once(blob));
      const replayed = await mountAt(await s.mounts('replay'), 'replayed');
      expect(tree(replayed)).toEqual(expected);
    });
  }
});
