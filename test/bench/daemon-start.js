#!/usr/bin/env node
// runtsd's start against containerd's, round-robin in one run (load from other work falls on
// all alike): ms from spawn until the gRPC socket accepts, CPU time (all threads, user + sys)
// spent by then, and 3 s after ready the private dirty memory, PSS and RSS. Prints medians and
// ratios; asserts nothing. startup.js prints the same ready/PSS pair after the CLI figures.
// usage: node test/bench/daemon-start.js [rounds]   (as root, after npm run build)
//   DAEMON_START_BASELINE=<another built checkout> adds its bin/runtsd as "runtsd, baseline".
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { launchEngine, measureStart, median } = require('./daemons');

const ROUNDS = Number(process.argv[2] ?? 7);
const baseline = process.env.DAEMON_START_BASELINE;

function launch(name, dir) {
  if (name !== 'runtsd, baseline') return launchEngine(name, dir);
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'grpc.sock');
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'a');
  const child = spawn(path.join(baseline, 'bin', 'runtsd'), ['--address', socket, '--root', path.join(dir, 'root'), '--state', path.join(dir, 'state'), '--log-level', 'warn'], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return { child, socket };
}

const range = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;

(async () => {
  const names = ['runtsd', ...(baseline ? ['runtsd, baseline'] : []), 'containerd'];
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < ROUNDS; i++) for (const n of names) runs[n].push(await measureStart(n, launch));
  const med = (n, k) => median(runs[n].map((r) => r[k]));
  console.log(`daemon start, median of ${ROUNDS} (range):`);
  for (const n of names) {
    const col = (k, div = 1, digits = 0) => `${(med(n, k) / div).toFixed(digits)} (${range(runs[n].map((r) => r[k] / div))})`;
    console.log(`  ${n.padEnd(17)} ready ${col('ready')} ms  cpu ${col('cpu')} ms  private dirty ${col('dirty', 1024, 1)} MB  PSS ${col('pss', 1024, 1)} MB  RSS ${col('rss', 1024, 1)} MB`);
  }
  const ratio = (a, k) => (med(a, k) / med('containerd', k)).toFixed(2);
  for (const n of names.filter((x) => x !== 'containerd')) {
    console.log(`${n} / containerd: ready ${ratio(n, 'ready')}x (target 2x), cpu ${ratio(n, 'cpu')}x, private dirty ${ratio(n, 'dirty')}x, PSS ${ratio(n, 'pss')}x (target 1.5x)`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
