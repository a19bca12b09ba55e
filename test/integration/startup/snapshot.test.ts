// bin/runts starts from its V8 startup snapshot when the snapshot is fresh, and falls back to
// loading modules when it is missing or older than dist/, saying so at debug level. The same
// command lines give the same output, files and exit status all three ways.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle, REPO } from '../../helpers/bundle';
import { uniqueId } from '../../helpers/runts';

type Mode = 'snapshot' | 'missing' | 'stale';
const work = fs.mkdtempSync(path.join(os.tmpdir(), `runts-startup-snapshot-${process.pid}-`));

/** A checkout whose bin/runts sees dist/ without its snapshot, or with an old one. */
function checkoutWithout(mode: 'missing' | 'stale'): string {
  const dir = path.join(work, mode);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'bin', 'runts'), path.join(dir, 'bin', 'runts'));
  fs.chmodSync(path.join(dir, 'bin', 'runts'), 0o755);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const entry of fs.readdirSync(path.join(REPO, 'dist'))) {
    if (entry !== 'snapshot') fs.symlinkSync(path.join(REPO, 'dist', entry), path.join(dir, 'dist', entry));
  }
  if (mode === 'stale') {
    const blob = path.join(dir, 'dist', 'snapshot', 'runts.blob');
    fs.mkdirSync(path.dirname(blob));
    fs.copyFileSync(path.join(REPO, 'dist', 'snapshot', 'runts.blob'), blob);
    fs.utimesSync(blob, new Date('2000-01-01'), new Date('2000-01-01'));
  }
  return path.join(dir, 'bin', 'runts');
}

const programs: Record<Mode, string> = {
  snapshot: path.join(REPO, 'bin', 'runts'),
  missing: checkoutWithout('missing'),
  stale: checkoutWithout('stale'),
};
const roots = Object.fromEntries((Object.keys(programs) as Mode[]).map((m) => [m, fs.mkdtempSync(path.join(work, `root-${m}-`))])) as Record<Mode, string>;

function runts(mode: Mode, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = path.join(work, 'out');
  const err = path.join(work, 'err');
  const outFd = fs.openSync(out, 'w');
  const errFd = fs.openSync(err, 'w');
  try {
    const r = spawnSync(programs[mode], ['--root', roots[mode], ...args], { stdio: ['ignore', outFd, errFd], timeout: 20000 });
    // a log line's time and the root differ between runs, nothing else may
    const same = (text: string) => text.replace(/time="[^"]*"/g, 'time=T').split(roots[mode]).join('ROOT');
    return { status: r.status, stdout: same(fs.readFileSync(out, 'utf8')), stderr: same(fs.readFileSync(err, 'utf8')) };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
}

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  cleanupBundles();
});

test.each([
  ['snapshot', 'started from the startup snapshot'],
  ['missing', 'no startup snapshot, loading modules'],
  ['stale', 'startup snapshot older than dist/ or the Node runtime, loading modules'],
] as [Mode, string][])('--debug says how runts started: %s', (mode, note) => {
  const r = runts(mode, ['--debug', 'list']);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(note);
});

test.each([
  [['--help']],
  [['state', '--help']],
  [['exec', '--help']],
  [['--version']],
  [['features']],
  [['list']],
  [['ls', '--format', 'json']],
  [['state', 'nope']],
  [['kill', 'nope', 'KILL']],
  [['bogus']],
  [['state']],
  [['--log-format', 'yaml', 'list']],
])('runts %j: the same output from the snapshot and from loaded modules', (args) => {
  const fromSnapshot = runts('snapshot', args);
  expect(runts('missing', args)).toEqual(fromSnapshot);
  expect(runts('stale', args)).toEqual(fromSnapshot);
});

test('a container runs the same from the snapshot and from loaded modules', () => {
  const bundle = makeBundle((c) => (c.process.args = ['sh', '-c', 'echo hello from $0; exit 3']));
  const results = (['snapshot', 'missing', 'stale'] as Mode[]).map((mode) => {
    const id = uniqueId(`startup-${mode}`);
    const r = runts(mode, ['run', '--bundle', bundle.dir, id]);
    return { ...r, list: runts(mode, ['list', '-q']).stdout };
  });
  expect(results[0]).toEqual({ status: 3, stdout: 'hello from sh\n', stderr: '', list: '' });
  expect(results[1]).toEqual(results[0]);
  expect(results[2]).toEqual(results[0]);
});

test('spec writes the same config.json from the snapshot and from loaded modules', () => {
  const configs = (['snapshot', 'missing', 'stale'] as Mode[]).map((mode) => {
    const dir = fs.mkdtempSync(path.join(work, `spec-${mode}-`));
    expect(runts(mode, ['spec', '--bundle', dir]).status).toBe(0);
    return fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  });
  expect(configs[1]).toBe(configs[0]);
  expect(configs[2]).toBe(configs[0]);
});
