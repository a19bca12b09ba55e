#!/usr/bin/env node
// The runts shim against containerd's runc shim, in one run on the same private containerd and
// image: median latency of `ctr run --rm IMAGE id /bin/true` (each container with its own shim:
// runts' from a standby after the first runs, unless RUNTS_STANDBY=0; and joining a group whose
// shim runs already), the resting standby's memory, and the memory (RSS and PSS) of
// the shim processes serving 20 detached `sleep` containers, each shim per container and grouped
// (one shim for all, by the io.kubernetes.cri.sandbox-id annotation), right after the last start
// and at rest. With perf on PATH, also the CPU time per run (perf stat's task-clock of containerd,
// the group's running shim and everything they start: shims, standby shims, runtimes, mounts;
// a standby is the launcher's child, so perf counts it once it has exited), steadier than
// latency on a loaded host. Prints; asserts nothing.
// usage: node test/bench/shim.js [iterations] [containers]   (as root, after npm run build)
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { timer, measure } = require('./measure');

// The private containerd of the shim tests is TypeScript.
require('./load-ts');
const { IMAGE, missingPrerequisite, PrivateContainerd } = require('../integration/shim/private-containerd.ts');

const N = Number(process.argv[2] ?? 20);
const CONTAINERS = Number(process.argv[3] ?? 20);
const RUNTIMES = { runts: 'io.containerd.runts.v2', runc: 'io.containerd.runc.v2' };
const SHIM_BINARIES = { runts: 'containerd-shim-runts-v2', runc: 'containerd-shim-runc-v2' };

/** kB of a /proc/<pid> file's field (VmRSS in status, Pss in smaps_rollup). */
function procKb(pid, file, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Shim processes of one kind serving this containerd (found by their -address argument). */
function shimPids(containerd, kind) {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith(SHIM_BINARIES[kind])) && argv.includes(containerd.socket)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const hasPerf = spawnSync('perf', ['--version']).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const REST_MS = 3000;

/** fn() run under perf stat attached to pids (counting the children they start): its result and
 * the task-clock ms per run, or NaN without perf. */
async function cpuPerRun(pids, runs, fn) {
  if (!hasPerf) return { result: fn(), cpu: NaN };
  const out = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'shim-bench-')), 'perf');
  const perf = spawn('perf', ['stat', '-x,', '-e', 'task-clock', '-o', out, '-p', pids.join(',')], { stdio: 'ignore' });
  const exited = new Promise((r) => perf.once('exit', r));
  await sleep(300); // attached
  const result = fn();
  perf.kill('SIGINT');
  await exited;
  const line = fs.readFileSync(out, 'utf8').split('\n').find((l) => l.includes('task-clock'));
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return { result, cpu: line ? Number(line.split(',')[0]) / runs : NaN };
}

function ctrOk(containerd, args) {
  const r = containerd.ctr(args);
  if (r.status !== 0) throw new Error(`ctr ${args.join(' ')}: ${r.stderr.trim()}`);
  return r;
}

function removeAll(containerd) {
  for (const id of containerd.ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
    containerd.ctr(['tasks', 'kill', '-s', 'KILL', id]);
    containerd.ctr(['tasks', 'delete', '-f', id]);
  }
  for (const id of containerd.ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) containerd.ctr(['containers', 'delete', id]);
}

/** RSS and PSS totals of pids, in kB. */
function memoryOf(pids) {
  return {
    rss: pids.reduce((sum, pid) => sum + procKb(pid, 'status', 'VmRSS'), 0),
    pss: pids.reduce((sum, pid) => sum + procKb(pid, 'smaps_rollup', 'Pss'), 0),
  };
}

/** Starts CONTAINERS sleepers, measures their shims right after the last start and again at
 * rest (REST_MS later: an idle runts shim gives memory back after 1 s), removes them; kB totals. */
async function shimMemory(containerd, kind, grouped) {
  const label = `${kind}${grouped ? '-g' : ''}`;
  const group = grouped ? ['--annotation', `io.kubernetes.cri.sandbox-id=bench-${label}`] : [];
  try {
    for (let i = 0; i < CONTAINERS; i++) ctrOk(containerd, ['run', '-d', '--runtime', RUNTIMES[kind], ...group, IMAGE, `mem-${label}-${i}`, 'sleep', '600']);
    const pids = shimPids(containerd, kind);
    const started = memoryOf(pids);
    await sleep(REST_MS);
    return { shims: pids.length, started, rest: memoryOf(pids) };
  } finally {
    removeAll(containerd);
  }
}

async function main() {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`cannot run: ${missing}`);
  const containerd = new PrivateContainerd('');
  try {
    await containerd.start();
    containerd.importBusybox();
    const time = timer(containerd.dir);
    const ctrArgs = ['-a', containerd.socket, '-n', containerd.namespace];
    const latency = {};
    const cpu = {};
    // runs + 1: measure's warm-up run is counted too
    const timed = async (label, pids, run) => {
      const { result, cpu: ms } = await cpuPerRun(pids, N + 1, () => measure(N, run));
      latency[label] = result;
      cpu[label] = ms;
    };
    for (const kind of Object.keys(RUNTIMES)) {
      await timed(kind, [containerd.pid], (i) => time('ctr', [...ctrArgs, 'run', '--rm', '--runtime', RUNTIMES[kind], IMAGE, `lat-${kind}-${i + 1}`, '/bin/true']));
    }
    // grouped: a long-running container of the same sandbox keeps the group's shim up
    for (const kind of Object.keys(RUNTIMES)) {
      const group = ['--annotation', `io.kubernetes.cri.sandbox-id=lat-${kind}`];
      try {
        ctrOk(containerd, ['run', '-d', '--runtime', RUNTIMES[kind], ...group, IMAGE, `lat-${kind}-keeper`, 'sleep', '600']);
        await timed(`${kind} grouped`, [containerd.pid, ...shimPids(containerd, kind)], (i) =>
          time('ctr', [...ctrArgs, 'run', '--rm', '--runtime', RUNTIMES[kind], ...group, IMAGE, `lat-${kind}-g${i + 1}`, '/bin/true']));
      } finally {
        removeAll(containerd);
      }
    }
    await sleep(REST_MS);
    const standby = containerd.standbyPids().map((pid) => ({ rss: procKb(pid, 'status', 'VmRSS'), privateDirty: procKb(pid, 'smaps_rollup', 'Private_Dirty') }));
    const memory = {};
    for (const kind of Object.keys(RUNTIMES)) {
      memory[kind] = await shimMemory(containerd, kind, false);
      memory[`${kind} grouped`] = await shimMemory(containerd, kind, true);
    }
    report(latency, cpu, memory, standby);
  } finally {
    removeAll(containerd);
    await containerd.stop();
  }
}

function report(latency, cpu, memory, standby) {
  const mb = (kb) => (kb / 1024).toFixed(1);
  console.log(`ctr run --rm IMAGE id /bin/true, median of ${N} (latency) and mean (CPU: containerd + shims + what they start):`);
  for (const [kind, ms] of Object.entries(latency)) console.log(`  ${kind.padEnd(14)} ${ms.toFixed(1).padStart(7)} ms   CPU ${cpu[kind].toFixed(1).padStart(6)} ms`);
  console.log(`  runts/runc: ${(latency.runts / latency.runc).toFixed(2)}x; grouped (shim already up): ${(latency['runts grouped'] / latency['runc grouped']).toFixed(2)}x`);
  console.log(`  CPU runts/runc: ${(cpu.runts / cpu.runc).toFixed(2)}x; grouped: ${(cpu['runts grouped'] / cpu['runc grouped']).toFixed(2)}x`);
  for (const m of standby) console.log(`resting standby shim: RSS ${mb(m.rss)} MB, private dirty ${mb(m.privateDirty)} MB`);
  if (!standby.length) console.log('no standby shim (RUNTS_STANDBY=0, or none waiting)');
  console.log(`shim memory with ${CONTAINERS} detached sleep containers, right after the last start and ${REST_MS / 1000} s later (at rest):`);
  console.log('  shims            count   RSS MB   PSS MB   at rest: RSS MB   PSS MB   PSS MB per container');
  for (const [name, m] of Object.entries(memory)) {
    const cells = [m.started.rss, m.started.pss, m.rest.rss, m.rest.pss].map((kb) => mb(kb).padStart(8));
    console.log(`  ${name.padEnd(16)} ${String(m.shims).padStart(5)} ${cells[0]} ${cells[1]}          ${cells[2]} ${cells[3]}   ${(m.rest.pss / 1024 / CONTAINERS).toFixed(2)}`);
  }
  const ratio = (a, b) => (at) => `RSS ${(memory[a][at].rss / memory[b][at].rss).toFixed(2)}x, PSS ${(memory[a][at].pss / memory[b][at].pss).toFixed(2)}x`;
  for (const [label, a, b] of [['runts/runc ungrouped', 'runts', 'runc'], ['runts grouped/runc ungrouped', 'runts grouped', 'runc'], ['runts grouped/runc grouped', 'runts grouped', 'runc grouped']]) {
    console.log(`  ${label}: ${ratio(a, b)('started')}; at rest: ${ratio(a, b)('rest')}`);
  }
}

main().catch((err) => {
  console.error(`bench shim: ${err.message}`);
  process.exitCode = 1;
});
