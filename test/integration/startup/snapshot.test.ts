// bin/runts starts the light commands (state, list, kill, ...) from their own V8 startup snapshot,
// the others from the whole program's, each when it is fresh; without the light snapshot it starts
// them from the whole program's, and it falls back to loading modules when the snapshots are
// missing or older than dist/, saying so at debug level. The same command lines give the same
// output, files and exit status every way.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle, REPO } from '../../helpers/bundle';
import { uniqueId } from '../../helpers/runts';

type Mode = 'as built' | 'no light snapshot' | 'missing' | 'stale';
const MODES: Mode[] = ['as built', 'no light snapshot', 'missing', 'stale'];
const work = fs.mkdtempSync(path.join(os.tmpdir(), `runts-startup-snapshot-${process.pid}-`));
const LIGHT_BLOB = 'runts-light.blob';
const isStartupFile = (entry: string) => ['runts.blob', 'containerd-shim-runts-v2.blob', LIGHT_BLOB].includes(entry);

/** A checkout whose bin/runts and shim launcher see dist/ without the light snapshot, without snapshots, or with old ones. */
function checkoutWithout(mode: Exclude<Mode, 'as built'>): string {
  const dir = path.join(work, mode.replace(/ /g, '-'));
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
  if (mode === 'missing') return path.join(dir, 'bin', 'runts');
  fs.mkdirSync(path.join(dir, 'dist', 'snapshot'));
  for (const entry of fs.readdirSync(path.join(REPO, 'dist', 'snapshot'))) {
    const file = path.join(dir, 'dist', 'snapshot', entry);
    if (mode === 'no light snapshot' && entry === LIGHT_BLOB) continue;
    if (mode === 'stale' && isStartupFile(entry)) {
      fs.copyFileSync(path.join(REPO, 'dist', 'snapshot', entry), file);
      fs.utimesSync(file, new Date('2000-01-01'), new Date('2000-01-01'));
    } else {
      fs.symlinkSync(path.join(REPO, 'dist', 'snapshot', entry), file);
    }
  }
  return path.join(dir, 'bin', 'runts');
}

const programs: Record<Mode, string> = {
  'as built': path.join(REPO, 'bin', 'runts'),
  'no light snapshot': checkoutWithout('no light snapshot'),
  missing: checkoutWithout('missing'),
  stale: checkoutWithout('stale'),
};
const roots = Object.fromEntries(MODES.map((m) => [m, fs.mkdtempSync(path.join(work, 'root-'))])) as Record<Mode, string>;

function runts(mode: Mode, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const out = path.join(work, 'out');
  const err = path.join(work, 'err');
  const outFd = fs.openSync(out, 'w');
  const errFd = fs.openSync(err, 'w');
  try {
    const r = spawnSync(programs[mode], ['--root', roots[mode], ...args], { stdio: ['ignore', outFd, errFd], timeout: 20000, env });
    // a log line's time and the root differ between runs, nothing else may
    const same = (text: string) => text.replace(/time="[^"]*"/g, 'time=T').split(roots[mode]).join('ROOT');
    return { status: r.status, stdout: same(fs.readFileSync(out, 'utf8')), stderr: same(fs.readFileSync(err, 'utf8')) };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
}

afterAll(() => {
  for (const mode of MODES) {
    for (const id of fs.readdirSync(roots[mode])) runts(mode, ['delete', '--force', id]);
  }
  fs.rmSync(work, { recursive: true, force: true });
  cleanupBundles();
});

const LIGHT = "started from the light commands' startup snapshot";
const SNAPSHOT = 'started from the startup snapshot';
const MISSING = 'no startup snapshot, loading modules';
const STALE = 'startup snapshot older than dist/ or the Node runtime, loading modules';
test.each([
  ['as built', ['--debug', 'list'], LIGHT],
  ['as built', ['--log-format', 'text', '--debug', 'state', 'nope'], LIGHT],
  ['as built', ['--debug', 'kill', 'nope'], LIGHT],
  ['as built', ['--debug', 'features'], SNAPSHOT],
  ['as built', ['--debug', 'spec', '--bundle', work], SNAPSHOT],
  ['no light snapshot', ['--debug', 'list'], SNAPSHOT],
  ['missing', ['--debug', 'list'], MISSING],
  ['missing', ['--debug', 'features'], MISSING],
  ['stale', ['--debug', 'list'], STALE],
  ['stale', ['--debug', 'features'], STALE],
] as [Mode, string[], string][])('--debug says how runts started: %s, %j', (mode, args, note) => {
  const r = runts(mode, args);
  expect(r.stderr).toContain(note);
});

/** What the other modes must print and exit with, for the mode that builds it. */
function sameEveryWay(run: (mode: Mode) => unknown): void {
  const [first, ...others] = MODES.map(run);
  for (const other of others) expect(other).toEqual(first);
}

test.each([
  [['--help']],
  [['state', '--help']],
  [['list', '--help']],
  [['help', 'kill']],
  [['exec', '--help']],
  [['--version']],
  [['features']],
  [['list']],
  [['ls', '--format', 'json']],
  [['state', 'nope']],
  [['kill', 'nope', 'KILL']],
  [['start', 'nope']],
  [['delete', 'nope']],
  [['delete', '--force', 'nope']],
  [['pause', 'nope']],
  [['resume', 'nope']],
  [['ps', 'nope']],
  [['events', '--stats', 'nope']],
  [['bogus']],
  [['state']],
  [['kill', '--bogus', 'nope']],
  [['--log-format', 'yaml', 'list']],
  [['--systemd-cgroup', 'list']],
])('runts %j: the same output from the light snapshot, the whole snapshot and loaded modules', (args) => {
  sameEveryWay((mode) => runts(mode, args));
});

// yargs' words are in the caller's language, which the light snapshot's build (in English) must not fix
test.each([[['state']], [['kill', 'nope', 'KILL', 'extra']]])('runts %j in German: the same output every way', (args) => {
  const german = { ...process.env, LANG: 'de_DE.UTF-8', LC_ALL: '', LC_MESSAGES: '', LANGUAGE: '' };
  sameEveryWay((mode) => runts(mode, args, german));
  expect(runts('as built', args, german).stderr).toMatch(/Argument/);
});

test('a container runs the same from the snapshot and from loaded modules', () => {
  const bundle = makeBundle((c) => (c.process.args = ['sh', '-c', 'echo hello from $0; exit 3']));
  sameEveryWay((mode) => {
    const r = runts(mode, ['run', '--bundle', bundle.dir, uniqueId(`startup-${mode.replace(/ /g, '-')}`)]);
    expect(r).toEqual({ status: 3, stdout: 'hello from sh\n', stderr: '' });
    return { ...r, list: runts(mode, ['list', '-q']).stdout };
  });
});

test('the light commands see a container the same from the light snapshot, the whole snapshot and loaded modules', () => {
  const bundle = makeBundle((c) => (c.process.args = ['sleep', '600']));
  // one id (each mode has its own root, and they run one after the other): list pads by its length
  const id = uniqueId('light');
  sameEveryWay((mode) => {
    expect(runts(mode, ['create', '--bundle', bundle.dir, id]).status).toBe(0);
    // what differs between two containers of one id: the pid and the time of creation
    const { pid, created } = JSON.parse(runts(mode, ['state', id]).stdout);
    // the time first, then the pid where it stands alone (not inside a path or another number)
    const standalonePid = new RegExp(`(?<![\\w/.-])${pid}(?![\\w/.-])`, 'g');
    const step = (...args: string[]) => {
      const r = runts(mode, args);
      return { ...r, stdout: r.stdout.split(created).join('CREATED').replace(standalonePid, 'PID') };
    };
    // list pads its PID column to the widest pid, and a pid may have one digit more than another
    const columnsOf = (r: ReturnType<typeof step>) => ({ ...r, stdout: r.stdout.replace(/ +/g, ' ') });
    const seen = [step('state', id), step('list', '--format', 'json'), step('start', id), step('state', id), step('pause', id), columnsOf(step('list')), step('resume', id)];
    seen.push(step('ps', '--format', 'json', id));
    // events --stats reads counters that change by the microsecond: its shape is what is compared
    const stats = step('events', '--stats', id);
    seen.push({ ...stats, stdout: Object.keys(JSON.parse(stats.stdout).data).join(',') });
    seen.push(step('kill', id, 'KILL'));
    // the kill is delivered, the exit comes a moment later
    for (let i = 0; i < 100 && JSON.parse(runts(mode, ['state', id]).stdout).status !== 'stopped'; i++) spawnSync('sleep', ['0.05']);
    seen.push(step('state', id), step('delete', id), step('delete', id), step('list', '-q'));
    return seen;
  });
});

/** The shim launcher of the checkout that `program` belongs to. */
const shimOf = (mode: Mode) => path.join(programs[mode], '..', '..', 'build', 'Release', 'containerd-shim-runts-v2');

test.each([
  ['as built', SNAPSHOT],
  ['no light snapshot', SNAPSHOT],
  ['missing', MISSING],
  ['stale', STALE],
] as [Mode, string][])('the shim launcher starts Node the right way: %s', (mode, note) => {
  // what the Node the launcher started was told, written by a preloaded probe
  const report = path.join(work, `shim-${mode}.json`);
  const probe = path.join(work, 'probe.js');
  fs.writeFileSync(probe, 'require("fs").writeFileSync(process.env.PROBE_REPORT, JSON.stringify({ execArgv: process.execArgv, note: process.env.RUNTS_STARTUP_NOTE }));');
  const r = spawnSync(shimOf(mode), ['-v'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_REPORT: report }, encoding: 'utf8' });
  expect(r.stdout).toBe('containerd-shim-runts-v2:\n  Version: runts-shim 0.1.0\n');
  const seen = JSON.parse(fs.readFileSync(report, 'utf8'));
  if (mode === 'as built' || mode === 'no light snapshot') {
    expect(seen.execArgv).toContain('--snapshot-blob');
    expect(seen.note).toBeUndefined();
  } else {
    expect(seen.execArgv).not.toContain('--snapshot-blob');
    expect(seen.note).toContain(note);
  }
});

test('the shim\'s snapshot holds the Node modules a new shim runs, and not crypto', () => {
  // Node's modules as the shim starts from its snapshot, written by a preloaded probe
  const report = path.join(work, 'shim-modules.json');
  const probe = path.join(work, 'modules-probe.js');
  fs.writeFileSync(probe, 'require("fs").writeFileSync(process.env.PROBE_REPORT, JSON.stringify(process.moduleLoadList));');
  const r = spawnSync(shimOf('as built'), ['-v'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_REPORT: report }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const loaded: string[] = JSON.parse(fs.readFileSync(report, 'utf8'));
  // the ttrpc server's net, and cluster, which net's listen() loads
  expect(loaded).toEqual(expect.arrayContaining(['NativeModule net', 'NativeModule cluster']));
  // the socket address's digest is the addon's (native.sha256Hex), not crypto's
  expect(loaded).not.toContain('NativeModule crypto');
});

test.each([[['-v']], [['frobnicate']], [['-bogus', 'start']], [['-namespace']]])('the shim %j: the same output from the snapshot and from loaded modules', (args) => {
  const run = (mode: Mode) => {
    const r = spawnSync(shimOf(mode), args, { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  sameEveryWay(run);
});
