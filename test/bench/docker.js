#!/usr/bin/env node
// Docker Engine latency with runtsd vs containerd as its containerd (`dockerd --containerd`),
// measured in one run: median `docker run --rm IMAGE true` through containerd's runc shim, with
// runc and with runts (--add-runtime). Runs are interleaved so both engines see the same machine
// load. Prints ratios; asserts nothing.
// usage: node test/bench/docker.js [iterations]   (as root, after scripts/install.sh and npm run build)
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startEngine, unmountUnder, median, repo } = require('./daemons');
const { timer, removeCgroupTree, endStandbys } = require('./measure');

const N = Number(process.argv[2] ?? 15);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-docker-'));
const time = timer(work);
const cgroupParent = `/runts-bench-docker-${process.pid}`;
// ENGINES_BASELINE=<another built checkout> adds its bin/runts as runtime "runts-baseline"
// (before/after figures of a change), run in turn with the others.
const baseline = process.env.ENGINES_BASELINE && path.join(path.resolve(process.env.ENGINES_BASELINE), 'bin', 'runts');
const runtimes = ['runc', 'runts', ...(baseline ? ['runts-baseline'] : [])];

async function startDockerd(engine) {
  const dir = path.join(work, `dockerd-${engine.name}`);
  fs.mkdirSync(dir);
  const host = `unix://${dir}/docker.sock`;
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'w');
  const child = spawn('dockerd', [
    '--containerd', engine.socket, '--containerd-namespace', 'runts-bench-docker', '--containerd-plugins-namespace', 'runts-bench-docker-plugins',
    '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/dockerd.pid`, '-H', host,
    '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--bridge=none',
    '--add-runtime', `runts=${path.join(repo, 'bin', 'runts')}`, ...(baseline ? ['--add-runtime', `runts-baseline=${baseline}`] : []), '--cgroup-parent', cgroupParent,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((r) => child.once('exit', r));
  const docker = (args) => ['-H', host, ...args];
  for (let i = 0; spawnSync('docker', docker(['version']), { stdio: 'ignore' }).status !== 0; i++) {
    if (i > 150 || child.exitCode !== null) throw new Error(`dockerd over ${engine.name} did not start: ${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-800)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  execFileSync('docker', docker(['import', `${work}/rootfs.tar`, 'bench-busybox']), { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    unmountUnder(dir);
  };
  return { engine: engine.name, docker, stop };
}

async function main() {
  execFileSync(path.join(repo, 'scripts', 'make-rootfs.sh'), [`${work}/rootfs`]);
  execFileSync('tar', ['-C', `${work}/rootfs`, '-cf', `${work}/rootfs.tar`, '.']);
  const engines = [];
  const dockerds = [];
  try {
    for (const name of ['runtsd', 'containerd']) engines.push(await startEngine(name, path.join(work, name)));
    for (const engine of engines) dockerds.push(await startDockerd(engine));
    const samples = {};
    const runOnce = (d, runtime) => time('docker', d.docker(['run', '--rm', '--runtime', runtime, '--network', 'none', 'bench-busybox', 'true']));
    for (let i = -1; i < N; i++) {
      for (const d of dockerds) {
        for (const runtime of runtimes) {
          const ms = runOnce(d, runtime);
          if (i >= 0) ((samples[d.engine] ??= {})[runtime] ??= []).push(ms);
        }
      }
    }
    console.log(`median of ${N} interleaved runs of docker run --rm IMAGE true, ms`);
    console.log(`dockerd over   ${runtimes.map((r) => `--runtime ${r}`.padStart(16)).join('')}`);
    for (const d of dockerds) console.log(`${d.engine.padEnd(14)} ${runtimes.map((r) => median(samples[d.engine][r]).toFixed(1).padStart(16)).join('')}`);
    for (const runtime of runtimes) {
      const ratio = median(samples.runtsd[runtime]) / median(samples.containerd[runtime]);
      console.log(`runtsd/containerd with ${runtime}: ${ratio.toFixed(2)}x`);
    }
    // issue #13's figure: the runtime's own cost under one engine
    for (const d of dockerds) {
      for (const runts of runtimes.filter((r) => r !== 'runc')) {
        const ratio = median(samples[d.engine][runts]) / median(samples[d.engine].runc);
        console.log(`${runts}/runc over ${d.engine}: ${ratio.toFixed(2)}x`);
      }
    }
  } finally {
    for (const d of dockerds) await d.stop();
    for (const e of engines) await e.stop();
    unmountUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
    // runts' standbys live where their callers (the runc shims) did (README "Start-up")
    endStandbys(repo, process.env.ENGINES_BASELINE);
    removeCgroupTree(cgroupParent);
  }
}

main().catch((err) => {
  console.error(`docker bench failed: ${err.message}`);
  process.exitCode = 1;
});
