// kill -9 of a process in the middle of prepare/commit loops and of a layer apply: the metadata
// a restarted snapshotter reads is consistent, and cleanup() removes exactly the debris.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';
import { writeTsChild } from './ts-child';

const maybe = process.getuid!() === 0 ? describe : describe.skip;

const IMPORTS = `
const { OverlaySnapshotter } = load('src/snapshots/overlay.ts');
const { applyLayerToMounts } = load('src/diff/apply-mounts.ts');
const { headerBlocks, padTo512 } = load('src/diff/tar/writer.ts');
`;

const COMMIT_LOOP = `
(async () => {
  const s = new OverlaySnapshotter(process.argv[2]);
  let parent = '';
  for (let i = 1; ; i++) {
    const [m] = await s.prepare('active-' + i, parent);
    const dir = m.type === 'bind' ? m.source : m.options.find((o) => o.startsWith('upperdir=')).slice(9);
    fs.writeFileSync(dir + '/file-' + i, 'x'.repeat(i));
    await s.commit('committed-' + i, 'active-' + i);
    parent = 'committed-' + i;
    process.stdout.write(i + '\\n');
  }
})();
`;

const SLOW_APPLY = `
(async () => {
  const s = new OverlaySnapshotter(process.argv[2]);
  const mounts = await s.prepare('unpacking', '');
  async function* layer() {
    for (let i = 0; ; i++) {
      yield Buffer.concat([headerBlocks({ name: 'f' + i, type: 'file', size: 100000 }), Buffer.alloc(100000, 1), padTo512(100000)]);
      if (i === 5) process.stdout.write('applying\\n');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  await applyLayerToMounts(mounts, layer());
})();
`;

let dir: string;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-crash-'));
});
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(script: string, root: string): { child: ChildProcess; output: () => string } {
  const file = path.join(dir, 'child.js');
  writeTsChild(file, IMPORTS + script);
  let output = '';
  const proc = spawn(process.execPath, [file, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  return { child: proc, output: () => output };
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function killHard(proc: ChildProcess) {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

async function checkConsistent(root: string) {
  const s = new OverlaySnapshotter(root);
  const infos = await s.list();
  const byName = new Map(infos.map((i) => [i.name, i]));
  const ids = new Set<string>();
  for (const info of infos) {
    if (info.parent) expect(byName.get(info.parent)?.kind).toBe('committed');
    const [m] = info.kind === 'committed' ? [] : await s.mounts(info.name);
    if (m) expect(m.options.join(',')).toMatch(/snapshots\/\d+\/fs/);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(root, 'metadata.json'), 'utf8'));
  for (const record of Object.values<any>(meta.snapshots)) {
    expect(ids.has(record.id)).toBe(false); // one record per directory: never both active and committed
    ids.add(record.id);
    expect(fs.existsSync(path.join(root, 'snapshots', record.id, 'fs'))).toBe(true);
  }
  // a commit either happened or not: never both names for one step, never neither
  const steps = new Set(infos.map((i) => Number(i.name.split('-')[1])));
  for (const step of steps) expect(byName.has(`active-${step}`) && byName.has(`committed-${step}`)).toBe(false);
  const last = Math.max(0, ...steps);
  for (let i = 1; i <= last; i++) expect(steps.has(i)).toBe(true);
  await s.cleanup();
  expect(fs.readdirSync(path.join(root, 'snapshots')).sort()).toEqual([...ids].sort());
  return { s, infos };
}

maybe('crash consistency', () => {
  test('kill -9 during prepare/commit loops, five times at different moments', async () => {
    const root = path.join(dir, 'overlayfs');
    let committed = 0;
    for (let round = 0; round < 5; round++) {
      const run = start(COMMIT_LOOP.replace("let parent = '';", `let parent = ${JSON.stringify(committed ? `committed-${committed}` : '')};`).replace('let i = 1;', `let i = ${committed + 1};`), root);
      child = run.child;
      await waitFor(() => run.output().split('\n').filter(Boolean).length >= 3 + round, 'commits');
      await new Promise((r) => setTimeout(r, round * 7));
      await killHard(run.child);
      const { s, infos } = await checkConsistent(root);
      // the next round continues from the last committed step, dropping an uncommitted active one
      const active = infos.find((i) => i.kind === 'active');
      if (active) await s.remove(active.name);
      committed = Math.max(0, ...infos.filter((i) => i.kind === 'committed').map((i) => Number(i.name.split('-')[1])));
      expect(committed).toBeGreaterThan(0);
    }
  });

  test('kill -9 during a layer apply leaves an active snapshot that can be removed; cleanup removes the rest', async () => {
    const root = path.join(dir, 'overlayfs');
    const run = start(SLOW_APPLY, root);
    child = run.child;
    await waitFor(() => run.output().includes('applying'), 'the apply to start');
    await killHard(run.child);
    const s = new OverlaySnapshotter(root);
    const [info] = await s.list();
    expect(info).toMatchObject({ name: 'unpacking', kind: 'active' });
    expect(fs.readdirSync(path.join(root, 'snapshots/1/fs')).length).toBeGreaterThan(0);
    await s.remove('unpacking');
    await s.cleanup();
    expect(fs.readdirSync(path.join(root, 'snapshots'))).toEqual([]);
    expect(await s.list()).toEqual([]);
  });
});
