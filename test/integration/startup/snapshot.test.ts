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

/** A checkout whose bin/runts and shim launcher see dist/ without snapshots, or with old ones. */
function checkoutWithout(mode: 'missing' | 'stale'): string {
  const dir = path.join(work, mode);
  for (const file of ['bin/runts', 'bin/node/containerd-shim-runts-v2', 'build/Release/containerd-shim-runts-v2']) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
    fs.chmodSync(path.join(dir, file), 0o755);
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const entry of fs.readdirSync(path.join(REPO, 'dist'))) {
    if (entry !== 'snapshot') fs.symlinkSync(path.join(REPO, 'dist', entry), path.join(dir, 'dist', entry));
  }
  if (mode === 'stale') {
    fs.mkdirSync(path.join(dir, 'dist', 'snapshot'));
    for (const program of ['runts', 'containerd-shim-runts-v2']) {
      const blob = path.join(dir, 'dist', 'snapshot', `${program}.blob`);
      fs.copyFileSync(path.join(REPO, 'dist', 'snapshot', `${program}.blob`), blob);
      fs.utimesSync(blob, new Date('2000-01-01'), new Date('2000-01-01'));
    }
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

/** The shim launcher of the checkout that `program` belongs to. */
const shimOf = (mode: Mode) => path.join(programs[mode], '..', '..', 'build', 'Release', 'containerd-shim-runts-v2');

test.each([
  ['snapshot', 'started from the startup snapshot'],
  ['missing', 'no startup snapshot, loading modules'],
  ['stale', 'startup snapshot older than dist/ or the Node runtime, loading modules'],
] as [Mode, string][])('the shim launcher starts Node the right way: %s', (mode, note) => {
  // what the Node the launcher started was told, written by a preloaded probe
  const report = path.join(work, `shim-${mode}.json`);
  const probe = path.join(work, 'probe.js');
  fs.writeFileSync(probe, 'require("fs").writeFileSync(process.env.PROBE_REPORT, JSON.stringify({ execArgv: process.execArgv, note: process.env.RUNTS_STARTUP_NOTE }));');
  const r = spawnSync(shimOf(mode), ['-v'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_REPORT: report }, encoding: 'utf8' });
  expect(r.stdout).toBe('containerd-shim-runts-v2:\n  Version: runts-shim 0.1.0\n');
  const seen = JSON.parse(fs.readFileSync(report, 'utf8'));
  if (mode === 'snapshot') {
    expect(seen.execArgv).toContain('--snapshot-blob');
    expect(seen.note).toBeUndefined();
  } else {
    expect(seen.execArgv).not.toContain('--snapshot-blob');
    expect(seen.note).toContain(note);
  }
});

test.each([[['-v']], [['frobnicate']], [['-bogus', 'start']], [['-namespace']]])('the shim %j: the same output from the snapshot and from loaded modules', (args) => {
  const run = (mode: Mode) => {
    const r = spawnSync(shimOf(mode), args, { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const fromSnapshot = run('snapshot');
  expect(run('missing')).toEqual(fromSnapshot);
  expect(run('stale')).toEqual(fromSnapshot);
});
