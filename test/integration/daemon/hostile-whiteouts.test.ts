// Attack tests for whiteouts that name the directory they sit in or its parent (".wh.", ".wh..",
// ".wh..."): through the real `ctr images import` into runtsd with both snapshotters, in the first
// and in a later layer, and through a direct Diff.Apply on a temporary tmpfs mount (any client of
// the containerd API can ask for one). Each must fail with containerd's "invalid whiteout name",
// change nothing beside or above the layer root nor in the daemon's temp directory, and leave the
// daemon serving.
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { buildTar } from '../../../src/diff/tar/writer';
import { call, connect, meta } from './grpc-client';
import { Daemon, startDaemon, tableRows } from './harness';
import { LayerEntry, writeLayeredArchive } from './layered-archive';

let daemon: Daemon;
let work: string;
let tmp: string;

/** Every path below `dir` with its content (files), link count and kind, so any change shows. */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      out[path.relative(dir, p)] = st.isFile() ? `file:${fs.readFileSync(p, 'utf8')}:${st.nlink}` : st.isDirectory() ? 'dir' : 'other';
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function plantCanaries(dir: string): void {
  fs.mkdirSync(path.join(dir, 'canary-dir'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'canary'), 'canary');
  fs.writeFileSync(path.join(dir, 'canary-dir', 'inner'), 'inner');
  fs.linkSync(path.join(dir, 'canary'), path.join(dir, 'canary-dir', 'canary-link'));
}

const good: LayerEntry[] = [
  { name: 'etc/', type: 'directory' }, { name: 'etc/keep', type: 'file', data: 'etc' }, { name: 'keep', type: 'file', data: 'root' },
];
const hostile = (whiteout: string): LayerEntry[] => [{ name: 'etc/', type: 'directory' }, { name: whiteout, type: 'file' }];

beforeAll(async () => {
  const base = fs.mkdtempSync('/tmp/runts-whiteout-tmp-');
  tmp = path.join(base, 'tmp');
  fs.mkdirSync(tmp);
  plantCanaries(tmp);
  daemon = await startDaemon('whiteout', { TMPDIR: tmp });
  work = path.join(daemon.dir, 'work');
  fs.mkdirSync(work);
  // The snapshotters' directories exist once they have unpacked something: plant canaries there.
  for (const snapshotter of ['overlayfs', 'native']) {
    const tar = path.join(work, `good-${snapshotter}.tar`);
    writeLayeredArchive(tar, `example.com/good-${snapshotter}:1`, [{ entries: good, compression: 'none' }]);
    daemon.ctr('images', 'import', '--snapshotter', snapshotter, tar);
    const dir = path.join(daemon.root, `io.containerd.snapshotter.v1.${snapshotter}`);
    plantCanaries(dir);
    plantCanaries(path.join(dir, 'snapshots'));
  }
});

afterAll(async () => {
  await daemon?.stop();
  if (tmp) fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
});

/** What must never change: canaries, committed snapshots, the daemon's temp directory. */
const snapshotterDirs = () => fs.readdirSync(daemon.root).filter((d) => d.startsWith('io.containerd.snapshotter.v1.'));
const untouchable = () => ({
  root: Object.fromEntries(snapshotterDirs().flatMap((d) => Object.entries(treeOf(path.join(daemon.root, d))).map(([p, v]) => [`${d}/${p}`, v]))),
  tmp: treeOf(tmp),
});
/** The snapshot trees may gain a prepared snapshot that the failed import leaves to GC; all else stays. */
function expectNothingRemoved(before: Record<string, string>, after: Record<string, string>): void {
  for (const [p, v] of Object.entries(before)) {
    if (p.endsWith('metadata.json')) continue;
    expect([p, after[p]]).toEqual([p, v]);
  }
}

function expectServing(): void {
  expect(tableRows(daemon.ctr('images', 'ls')).map((r) => r[0])).toEqual(expect.arrayContaining(['example.com/good-overlayfs:1']));
  expect(daemon.ctr('version')).toMatch(/Server:/);
}

let counter = 0;
for (const snapshotter of ['overlayfs', 'native']) {
  for (const position of ['first', 'later'] as const) {
    for (const whiteout of ['.wh.', '.wh..', 'etc/.wh...']) {
      test(`ctr import, ${snapshotter}, ${JSON.stringify(whiteout)} in the ${position} layer: refused, nothing removed`, () => {
        const layers = position === 'first' ? [hostile(whiteout)] : [good, hostile(whiteout)];
        const tar = path.join(work, `hostile-${++counter}.tar`);
        writeLayeredArchive(tar, `example.com/hostile:${counter}`, layers.map((entries) => ({ entries, compression: 'gzip' as const })));
        const before = untouchable();
        const r = daemon.ctrResult('images', 'import', '--snapshotter', snapshotter, tar);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(new RegExp(`applying layer entry "${whiteout.replace(/\./g, '\\.')}": invalid whiteout name`));
        const after = untouchable();
        expectNothingRemoved(before.root, after.root);
        expect(after.tmp).toEqual(before.tmp);
        expectServing();
      });
    }
  }
}

test('ctr import: an entry with uid 2^40 fails naming the entry and the field', () => {
  const tar = path.join(work, 'big-uid.tar');
  writeLayeredArchive(tar, 'example.com/big-uid:1', [{ entries: [{ name: 'owned', type: 'file', data: 'x', uid: 2 ** 40 }], compression: 'gzip' }]);
  const r = daemon.ctrResult('images', 'import', tar);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/applying layer entry "owned": uid 1099511627776 is out of range \(0 to 4294967294\)/);
  expect(r.stderr).not.toMatch(/ERR_OUT_OF_RANGE/);
  expectServing();
});

test('Diff.Apply on a temporary tmpfs mount: ".wh..." cannot empty the daemon\'s temp directory', async () => {
  const layer = buildTar(hostile('.wh...'));
  const digest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const ingest = spawnSync('ctr', ['-a', daemon.socket, 'content', 'ingest', '--expected-digest', digest, 'hostile-layer'], { input: layer });
  expect(ingest.stderr.toString()).toBe('');
  const clients = connect(daemon.socket);
  try {
    const before = untouchable();
    const apply = call(clients.diff, 'Apply', {
      diff: { media_type: 'application/vnd.oci.image.layer.v1.tar', digest, size: layer.length },
      mounts: [{ type: 'tmpfs', source: 'tmpfs', options: [] }],
    }, meta('default'));
    await expect(apply).rejects.toMatchObject({ details: expect.stringMatching(/applying layer entry "\.wh\.\.\.": invalid whiteout name "\.\."/) });
    const after = untouchable();
    expect(after.tmp).toEqual(before.tmp);
    expectNothingRemoved(before.root, after.root);
    // The temporary mount is gone and its directory removed.
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`${tmp}/runts-apply-`);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('runts-apply-'))).toEqual([]);
    expectServing();
  } finally {
    clients.close();
  }
});

describe('client-given mounts for Diff.Apply', () => {
  const layer = buildTar([{ name: 'planted', type: 'file', data: 'x' }]);
  const digest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  beforeAll(() => {
    const ingest = spawnSync('ctr', ['-a', daemon.socket, 'content', 'ingest', '--expected-digest', digest, 'plain-layer'], { input: layer });
    expect(ingest.status).toBe(0);
  });

  const applyWith = async (mount: object) => {
    const clients = connect(daemon.socket);
    try {
      return await call(clients.diff, 'Apply', {
        diff: { media_type: 'application/vnd.oci.image.layer.v1.tar', digest, size: layer.length }, mounts: [mount],
      }, meta('default'));
    } finally {
      clients.close();
    }
  };

  test('a source that looks like an option of mount(8) is a name: the layer lands on the tmpfs, not in the temp directory', async () => {
    const before = treeOf(tmp);
    await expect(applyWith({ type: 'tmpfs', source: '-V', options: [] })).resolves.toMatchObject({ applied: { digest } });
    expect(treeOf(tmp)).toEqual(before);
    expectServing();
  });

  test('a relative bind source is refused', async () => {
    const before = treeOf(tmp);
    await expect(applyWith({ type: 'bind', source: 'relative/dir', options: ['rbind'] }))
      .rejects.toMatchObject({ details: expect.stringMatching(/bind mount source "relative\/dir" is not an absolute path/) });
    expect(treeOf(tmp)).toEqual(before);
    expectServing();
  });
});

describe('client-given names never become paths', () => {
  const escapeName = (n: number) => `../../../../../..${path.dirname(tmp)}/escaped-${n}`;
  const escaped = () => fs.readdirSync(path.dirname(tmp)).filter((n) => n.startsWith('escaped-'));

  test('snapshot keys: a key shaped like a path is only a key', () => {
    daemon.ctr('snapshots', '--snapshotter', 'native', 'prepare', escapeName(1));
    daemon.ctr('snapshots', '--snapshotter', 'overlayfs', 'prepare', escapeName(2));
    expect(escaped()).toEqual([]);
    for (const snapshotter of ['native', 'overlayfs']) {
      const dirs = fs.readdirSync(path.join(daemon.root, `io.containerd.snapshotter.v1.${snapshotter}`, 'snapshots'));
      expect(dirs.filter((d) => !d.startsWith('canary'))).toEqual(dirs.filter((d) => /^[0-9]+$/.test(d)));
    }
    daemon.ctr('snapshots', '--snapshotter', 'native', 'rm', escapeName(1));
    daemon.ctr('snapshots', '--snapshotter', 'overlayfs', 'rm', escapeName(2));
  });

  test('ingest refs: a ref shaped like a path is hashed into the ingest directory', () => {
    const data = Buffer.from('ingest-ref-class');
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const r = spawnSync('ctr', ['-a', daemon.socket, 'content', 'ingest', '--expected-digest', digest, escapeName(3)], { input: data });
    expect(r.status).toBe(0);
    expect(escaped()).toEqual([]);
    expect(daemon.ctr('content', 'ls')).toContain(digest);
  });
});
