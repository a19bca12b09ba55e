// bin/runtsd loads its bundle (dist/bundle/runtsd.js) when it is fresh, and its modules when the
// bundle is missing or older than dist/, saying which at debug level. All three serve the same
// plugins and import and unpack an image (layers applied on worker threads) alike. From the
// bundle, V8 code cached after a start is used by the next one.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Daemon, startDaemon } from '../daemon/harness';
import { buildBusyboxOciArchive } from '../daemon/oci-archive';
import { REPO } from '../../helpers/bundle';

jest.setTimeout(120000);
type Mode = 'bundle' | 'missing' | 'stale';
const work = fs.mkdtempSync(path.join(os.tmpdir(), `runtsd-bundle-${process.pid}-`));

/** A checkout whose bin/runtsd sees dist/ without the bundle, or with an old one. */
function checkoutWithout(mode: 'missing' | 'stale'): string {
  const dir = path.join(work, mode);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'bin', 'runtsd'), path.join(dir, 'bin', 'runtsd'));
  fs.chmodSync(path.join(dir, 'bin', 'runtsd'), 0o755);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const entry of fs.readdirSync(path.join(REPO, 'dist'))) {
    if (entry !== 'bundle') fs.symlinkSync(path.join(REPO, 'dist', entry), path.join(dir, 'dist', entry));
  }
  if (mode === 'stale') {
    const bundle = path.join(dir, 'dist', 'bundle', 'runtsd.js');
    fs.mkdirSync(path.dirname(bundle));
    fs.copyFileSync(path.join(REPO, 'dist', 'bundle', 'runtsd.js'), bundle);
    fs.utimesSync(bundle, new Date('2000-01-01'), new Date('2000-01-01'));
  }
  return path.join(dir, 'bin', 'runtsd');
}

const programs: Record<Mode, string> = {
  bundle: path.join(REPO, 'bin', 'runtsd'),
  missing: checkoutWithout('missing'),
  stale: checkoutWithout('stale'),
};
const notes: Record<Mode, string> = {
  bundle: 'started from the bundle',
  missing: 'no bundle, loading modules',
  stale: 'bundle older than dist/ or the Node runtime, loading modules',
};
const image = buildBusyboxOciArchive(fs.mkdtempSync(path.join(work, 'image-')), 'docker.io/library/bundle-test:latest');
const daemons: Daemon[] = [];
const pluginLists: string[] = [];

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test.each(Object.keys(programs) as Mode[])('runtsd %s: says how it started, serves the plugins, imports and unpacks', async (mode) => {
  const daemon = await startDaemon(`bundle-${mode}`, {}, [], programs[mode]);
  daemons.push(daemon);
  expect(daemon.log()).toContain(notes[mode]);
  expect(daemon.log()).not.toMatch(new RegExp(Object.values(notes).filter((n) => n !== notes[mode]).join('|')));
  pluginLists.push(daemon.ctr('plugins', 'ls'));
  expect(pluginLists[pluginLists.length - 1]).toBe(pluginLists[0]);
  daemon.ctr('images', 'import', image.tarPath);
  expect(daemon.log()).toMatch(/msg="loading service" service="diff"/);
  expect(daemon.ctr('images', 'check')).toMatch(/complete/);
  expect(daemon.ctr('snapshots', 'ls')).toMatch(/sha256:/);
  await daemon.stop();
});

test('runtsd from the bundle writes a code cache after starting, which the next start uses', async () => {
  const bundle = fs.statSync(path.join(REPO, 'dist', 'bundle', 'runtsd.js'));
  const cacheFile = path.join(REPO, 'node_modules', '.cache', 'runtsd-bundle', `runtsd.js.${bundle.size}-${Math.trunc(bundle.mtimeMs)}.v8cache`);
  const first = await startDaemon('bundle-cache', {}, [], programs.bundle);
  daemons.push(first);
  expect(first.log()).toMatch(/started from the bundle \(.*, code cache: (none|used|rejected)\)/);
  // written once a start that did not use it listens (an earlier run's may be there already)
  const deadline = Date.now() + 15000;
  while (!fs.existsSync(cacheFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await first.stop();
  const second = await startDaemon('bundle-cache', {}, [], programs.bundle);
  daemons.push(second);
  expect(second.log()).toMatch(/started from the bundle \(.*, code cache: used\)/);
  expect(second.ctr('version')).toMatch(/Server:/);
  await second.stop();
});
