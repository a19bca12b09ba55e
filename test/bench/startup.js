#!/usr/bin/env node
// Start-up of the runts CLI against runc and crun, in one run on the same bundle: median of N
// `run /bin/true`, and of `state`, `list`, `kill` and `start` on a created `sleep` container,
// for runts from its startup snapshot (as bin/runts starts it), runts loading its modules on the
// pinned Node, runts loading its modules on the system's Node, runc and crun; and the floor
// `node -e 0` of the pinned Node. Prints the issue's targets with their ratios; asserts nothing.
// runts' rows start a fresh Node for each call (RUNTS_STANDBY=0), as the targets are about that
// start; in wall time, "runts, standbys" is bin/runts as it is (light calls of a burst served by a
// standby started ahead, README "Start-up"; its CPU is paid before the call, so not in CPU mode).
// Then runtsd against containerd: ready (socket accepting) and idle PSS. The engine, shim and
// group figures are printed by engines.js, shim.js and daemon.js.
// usage: node test/bench/startup.js [iterations]   (as root, after npm run build)
//   STARTUP_BASELINE=<another built checkout> adds its bin/runts as "runts, baseline", measured
//   in the same run (before/after figures of a change), and prints runts against it.
//   STARTUP_CPU=1 measures CPU time (perf stat's task-clock: user + sys of the command and its
//   children) instead of wall time: on a machine loaded by other work it is the stable figure.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { timer, removeCgroupTree, endStandbys } = require('./measure');

const N = Number(process.argv[2] ?? 20);
const repo = path.resolve(__dirname, '..', '..');
const runtsBin = path.join(repo, 'bin', 'runts');
const pinnedNode = path.join(repo, 'node_modules', '.bin', 'node');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-startup-'));
const wallTime = timer(work);
const perfOut = path.join(work, 'perf');
function cpuTime(cmd, args, env) {
  wallTime('perf', ['stat', '-x,', '-e', 'task-clock', '-o', perfOut, '--', cmd, ...args], env);
  return Number(fs.readFileSync(perfOut, 'utf8').split('\n').find((l) => l.includes('task-clock')).split(',')[0]);
}
const time = process.env.STARTUP_CPU === '1' ? cpuTime : wallTime;

function bundleRunning(args) {
  const dir = fs.mkdtempSync(path.join(work, 'bundle-'));
  execFileSync(path.join(repo, 'scripts', 'make-rootfs.sh'), [path.join(dir, 'rootfs')]);
  execFileSync(runtsBin, ['spec', '--bundle', dir]);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = args;
  config.ociVersion = '1.0.2-dev'; // crun 1.8 refuses 1.3.0
  config.linux.cgroupsPath = `/runts-bench-startup-${process.pid}/${path.basename(dir)}`;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
const trueBundle = bundleRunning(['/bin/true']);
const sleepBundle = bundleRunning(['sleep', '600']);

// crun 1.8 refuses this hybrid cgroup layout unless cgroup2 is unmounted in a private mount ns.
const crunWrapper = path.join(work, 'crun');
fs.writeFileSync(crunWrapper, `#!/bin/sh\nexec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"\n`, { mode: 0o755 });
const runtimes = {
  runts: [runtsBin],
  'runts, modules': [pinnedNode, runtsBin],
  'runts, system node': ['/usr/bin/node', runtsBin],
  runc: ['runc'],
};
if (spawnSync('which', ['crun']).status === 0) runtimes.crun = [crunWrapper];
if (process.env.STARTUP_BASELINE) runtimes['runts, baseline'] = [path.join(path.resolve(process.env.STARTUP_BASELINE), 'bin', 'runts')];
if (time === wallTime) runtimes['runts, standbys'] = [runtsBin];
const freshNode = { ...process.env, RUNTS_STANDBY: '0' };
const envOf = (name) => (name === 'runts' || name === 'runts, baseline' ? freshNode : process.env);

// Round-robin: each iteration measures every runtime once, so load from other work on the machine
// falls on all of them alike and the ratios of one run stay comparable.
const COLUMNS = ['run', 'state', 'list', 'kill', 'start'];
const samples = { 'node -e 0': { floor: [] } };
const active = Object.entries(runtimes).map(([name, [cmd, ...pre]], n) => {
  const root = path.join(work, `root-${name.replace(/\W+/g, '-')}`);
  samples[name] = Object.fromEntries(COLUMNS.map((c) => [c, []]));
  return { name, rt: (...args) => time(cmd, [...pre, '--root', root, ...args], envOf(name)), id: (i) => `bench-startup-${process.pid}-${n}-${i}` };
});
try {
  for (let i = -1; i < N; i++) {
    const keep = (name, column, ms) => { if (i >= 0) samples[name][column].push(ms); };
    keep('node -e 0', 'floor', time(pinnedNode, ['-e', '0']));
    for (const r of active.filter((a) => !a.skipped)) {
      try {
        keep(r.name, 'run', r.rt('run', '--bundle', trueBundle, r.id(`r${i}`)));
        const c = r.id(`c${i}`);
        r.rt('create', '--bundle', sleepBundle, c);
        for (const [column, args] of [['state', ['state', c]], ['list', ['list']], ['start', ['start', c]], ['kill', ['kill', c, 'KILL']]]) keep(r.name, column, r.rt(...args));
        r.rt('delete', '--force', c);
      } catch (err) {
        r.skipped = true;
        delete samples[r.name];
        console.log(`${r.name}: skipped (${err.message.split('\n')[0]})`);
      }
    }
  }
} finally {
  endStandbys(repo, process.env.STARTUP_BASELINE);
  fs.rmSync(work, { recursive: true, force: true });
  removeCgroupTree(`runts-bench-startup-${process.pid}`);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = Object.fromEntries(Object.entries(samples).map(([name, cols]) => [name, Object.fromEntries(Object.entries(cols).map(([c, xs]) => [c, median(xs)]))]));
const fmt = (x) => (x === undefined ? '-' : x.toFixed(1));
const columns = COLUMNS;
const nodeVersion = execFileSync(pinnedNode, ['--version'], { encoding: 'utf8' }).trim();
console.log(`median of ${N} runs, ${time === cpuTime ? 'CPU' : 'wall'} ms (node -e 0 on the pinned Node ${nodeVersion}: ${fmt(results['node -e 0'].floor)})`);
console.log(`${'runtime'.padEnd(20)}${columns.map((c) => c.padStart(8)).join('')}`);
for (const [name, r] of Object.entries(results)) if (r.run !== undefined) console.log(`${name.padEnd(20)}${columns.map((c) => fmt(r[c]).padStart(8)).join('')}`);
const rt = results.runts;
const floor = results['node -e 0'].floor;
if (rt) {
  for (const other of ['runc', 'crun']) {
    if (results[other]) console.log(`target runts run ≤ 2.5x ${other}: ${(rt.run / results[other].run).toFixed(2)}x`);
  }
  for (const c of ['state', 'list', 'kill', 'start']) {
    const over = rt[c] - floor;
    console.log(`target runts ${c} ≤ node -e 0 + 10 ms: +${over.toFixed(1)} ms (${over <= 10 ? 'met' : 'not met'}); ${(rt[c] / results.runc[c]).toFixed(1)}x runc`);
  }
  const served = results['runts, standbys'];
  if (served) console.log(`runts with standbys / runc: ${['state', 'list', 'kill', 'start'].map((c) => `${c} ${(served[c] / results.runc[c]).toFixed(1)}x`).join(', ')}`);
  const base = results['runts, baseline'];
  if (base) console.log(`runts / baseline: ${columns.map((c) => `${c} ${(rt[c] / base[c]).toFixed(2)}x`).join(', ')}`);
}

// runtsd against containerd, started in turn (load from other work falls on both alike), as
// daemon-start.js measures them: ms from spawn until the gRPC socket accepts, and PSS after idling.
const { measureStart } = require('./daemons');

(async () => {
  const runs = Math.max(3, Math.min(N, 7));
  const starts = { runtsd: [], containerd: [] };
  for (let i = 0; i < runs; i++) for (const name of Object.keys(starts)) starts[name].push(await measureStart(name));
  const d = Object.fromEntries(Object.entries(starts).map(([name, rs]) => [name, { ready: median(rs.map((r) => r.ready)), pss: median(rs.map((r) => r.pss)) }]));
  console.log(`daemon ready and idle PSS (median of ${runs} starts each, in turn):`);
  for (const [name, f] of Object.entries(d)) console.log(`  ${name.padEnd(11)} ready ${fmt(f.ready).padStart(7)} ms   PSS ${(f.pss / 1024).toFixed(1).padStart(6)} MB`);
  console.log(`target runtsd ready ≤ 2x containerd: ${(d.runtsd.ready / d.containerd.ready).toFixed(2)}x`);
  console.log(`target runtsd idle PSS ≤ 1.5x containerd: ${(d.runtsd.pss / d.containerd.pss).toFixed(2)}x`);
  console.log('engine, shim and group figures: node test/bench/engines.js, shim.js, daemon.js');
})();
