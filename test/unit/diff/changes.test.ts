import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { applyLayer } from '../../../src/diff/apply';
import { changesBetween, ChangeEntry } from '../../../src/diff/changes';
import { writeLayer } from '../../../src/diff/write-layer';
import { readTar } from '../../../src/diff/tar/reader';

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-changes-'));
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

/** Everything that apply must reproduce: type, mode, owner, contents/link target, hard link groups. */
function describeTree(root: string): string[] {
  const out: string[] = [];
  const inodes = new Map<number, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p);
      let what = `${r} ${st.mode.toString(8)} ${st.uid}:${st.gid}`;
      if (st.isFile()) {
        what += ` ${fs.readFileSync(p, 'utf8')} mtime=${Math.floor(st.mtimeMs / 1000)}`;
        if (st.nlink > 1) {
          what += ` link-group=${inodes.get(st.ino) ?? r}`;
          inodes.set(st.ino, inodes.get(st.ino) ?? r);
        }
      }
      if (st.isSymbolicLink()) what += ` -> ${fs.readlinkSync(p)}`;
      out.push(what);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

async function collect(changes: AsyncIterable<ChangeEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of changes) out.push(`${c.kind}:${c.name}`);
  return out;
}

test('generic walk: the layer of the changes turns the lower tree into the upper tree', async () => {
  const lower = path.join(base, 'lower');
  fs.mkdirSync(path.join(lower, 'etc/deep'), { recursive: true });
  fs.writeFileSync(path.join(lower, 'etc/same'), 'same');
  fs.writeFileSync(path.join(lower, 'etc/modified'), 'before');
  fs.writeFileSync(path.join(lower, 'etc/deleted'), 'x');
  fs.writeFileSync(path.join(lower, 'etc/deep/file'), 'deep');
  fs.writeFileSync(path.join(lower, 'becomes-dir'), 'file');
  fs.writeFileSync(path.join(lower, 'chmod'), 'mode');
  fs.symlinkSync('etc/same', path.join(lower, 'link'));
  const upper = path.join(base, 'upper');
  execFileSync('cp', ['-a', lower, upper]);

  fs.writeFileSync(path.join(upper, 'etc/modified'), 'after!');
  fs.rmSync(path.join(upper, 'etc/deleted'));
  fs.rmSync(path.join(upper, 'etc/deep'), { recursive: true });
  fs.rmSync(path.join(upper, 'becomes-dir'));
  fs.mkdirSync(path.join(upper, 'becomes-dir'));
  fs.writeFileSync(path.join(upper, 'becomes-dir/inner'), 'inner');
  fs.chmodSync(path.join(upper, 'chmod'), 0o600);
  fs.rmSync(path.join(upper, 'link'));
  fs.symlinkSync('etc/modified', path.join(upper, 'link'));
  fs.mkdirSync(path.join(upper, 'new'));
  fs.writeFileSync(path.join(upper, 'new/a'), 'hard');
  fs.linkSync(path.join(upper, 'new/a'), path.join(upper, 'new/b'));

  expect(await collect(changesBetween(lower, upper))).toEqual([
    'path:becomes-dir', 'path:becomes-dir/inner', 'path:chmod', 'whiteout:etc/deep', 'whiteout:etc/deleted', 'path:etc/modified',
    'path:link', 'path:new', 'path:new/a', 'path:new/b',
  ]);

  const layer = writeLayer(changesBetween(lower, upper), 'gzip');
  const chunks: Buffer[] = [];
  for await (const chunk of layer.stream) chunks.push(chunk);
  const gz = Buffer.concat(chunks);
  const { diffId } = layer.result();

  const names: string[] = [];
  async function* one() { yield zlib.gunzipSync(gz); }
  for await (const entry of readTar(one())) names.push(`${entry.header.type}:${entry.header.name}`);
  expect(names).toContain('hardlink:new/b');
  expect(names).toContain('file:etc/.wh.deleted');

  const target = path.join(base, 'target');
  execFileSync('cp', ['-a', lower, target]);
  async function* blob() { yield gz; }
  const applied = await applyLayer(target, blob(), { whiteouts: 'delete', expectedDiffId: diffId });
  expect(applied.compression).toBe('gzip');
  expect(describeTree(target)).toEqual(describeTree(upper));
});

test('identical trees give an empty layer; a base layer from nothing is the whole tree', async () => {
  const tree = path.join(base, 'tree');
  fs.mkdirSync(path.join(tree, 'd'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'd/f'), 'f');
  const copy = path.join(base, 'copy');
  execFileSync('cp', ['-a', tree, copy]);
  expect(await collect(changesBetween(tree, copy))).toEqual([]);
  expect(await collect(changesBetween(path.join(base, 'missing'), tree))).toEqual(['path:d', 'path:d/f']);
});

test('same size and whole-second mtime: contents decide', async () => {
  const lower = path.join(base, 'lower');
  const upper = path.join(base, 'upper');
  fs.mkdirSync(lower);
  fs.mkdirSync(upper);
  fs.writeFileSync(path.join(lower, 'f'), 'aaaa');
  fs.writeFileSync(path.join(upper, 'f'), 'bbbb');
  fs.utimesSync(path.join(lower, 'f'), 1000, 1000);
  fs.utimesSync(path.join(upper, 'f'), 1000, 1000);
  expect(await collect(changesBetween(lower, upper))).toEqual(['path:f']);
  fs.writeFileSync(path.join(upper, 'f'), 'aaaa');
  fs.utimesSync(path.join(upper, 'f'), 1000, 1000);
  expect(await collect(changesBetween(lower, upper))).toEqual([]);
});
