#!/usr/bin/env node
// Engine-level latency with runts vs runc vs crun as the OCI runtime, measured in one run:
// median `podman run --rm IMAGE true` and `ctr run --rm` (containerd's runc shim with
// --runc-binary). crun 1.8 refuses this hybrid cgroup layout unless the cgroup2 mount is hidden,
// so it runs through a wrapper in a private mount namespace. Prints ratios; asserts nothing.
// usage: node test/bench/engines.js [iterations]   (as root, after scripts/install.sh)
//   ENGINES_BASELINE=<another built checkout> adds its bin/runts as "runts, baseline" (before/after
//   figures of a change); podman's runs go round-robin over the runtimes, so load from other work
//   on the machine falls on all of them alike.
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const N = Number(process.argv[2] ?? 15);
const repo = path.resolve(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-engines-'));
const crun = path.join(work, 'crun');
fs.writeFileSync(crun, `#!/bin/sh\nexec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"\n`, { mode: 0o755 });
const runtimes = { runts: path.join(repo, 'bin', 'runts'), runc: execFileSync('which', ['runc'], { encoding: 'utf8' }).trim(), crun };
if (process.env.ENGINES_BASELINE) runtimes['runts, baseline'] = path.join(path.resolve(process.env.ENGINES_BASELINE), 'bin', 'runts');
const { timer, measure: measureN, removeCgroupTree, removeEmptyRuncRoot, endStandbys } = require('./measure');
const time = timer(work);
const measure = (fn) => measureN(N, fn);
execFileSync(path.join(repo, 'scripts', 'make-rootfs.sh'), [`${work}/rootfs`]);
execFileSync('tar', ['-C', `${work}/rootfs`, '-cf', `${work}/rootfs.tar`, '.']);
const results = {};

// podman
const podman = ['--root', `${work}/storage`, '--runroot', `${work}/run`, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
execFileSync('podman', [...podman, 'import', `${work}/rootfs.tar`, 'bench-busybox'], { stdio: 'ignore' });
// The same image for containerd, as a docker-archive (ctr imports that format).
execFileSync('podman', [...podman, 'save', '--format', 'docker-archive', '-o', `${work}/image.tar`, 'localhost/bench-busybox:latest'], { stdio: 'ignore' });
const podFlags = ['--network', 'none', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096', '--cgroup-parent', '/runts-bench-engines'];
const podmanSamples = Object.fromEntries(Object.keys(runtimes).map((name) => [name, []]));
for (let i = -1; i < N; i++) {
  for (const [name, bin] of Object.entries(runtimes).filter(([n]) => podmanSamples[n])) {
    try {
      const ms = time('podman', ['--runtime', bin, ...podman, 'run', '--rm', ...podFlags, 'bench-busybox', 'true']);
      if (i >= 0) podmanSamples[name].push(ms);
    } catch (err) {
      delete podmanSamples[name];
      console.log(`podman with ${name}: skipped (${err.message.split('\n')[0]})`);
    }
  }
}
for (const [name, xs] of Object.entries(podmanSamples)) (results[name] ??= {}).podman = xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
spawnSync('podman', [...podman, 'system', 'reset', '--force'], { stdio: 'ignore' });

// containerd + its runc shim, runtime binary switched with --runc-binary
async function withContainerd() {
  const sock = `${work}/c.sock`;
  fs.writeFileSync(`${work}/config.toml`, `version = 2\nroot = "${work}/croot"\nstate = "${work}/cstate"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${sock}"\n[ttrpc]\n  address = "${sock}.ttrpc"\n`);
  const daemon = spawn('containerd', ['--config', `${work}/config.toml`], { stdio: 'ignore' });
  const ctr = (args) => ['-a', sock, '-n', 'runts-bench', ...args];
  try {
    for (let i = 0; i < 100 && spawnSync('ctr', ctr(['version'])).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const image = { name: 'localhost/bench-busybox:latest', tar: `${work}/image.tar` };
    execFileSync('ctr', ctr(['images', 'import', image.tar]), { stdio: 'ignore' });
    for (const [name, bin] of Object.entries(runtimes)) {
      try {
        (results[name] ??= {}).ctr = measure((i) => time('ctr', ctr(['run', '--rm', '--runc-binary', bin, image.name, `bench-${name.replace(/\W+/g, '-')}-${i + 1}`, 'true'])));
      } catch (err) {
        console.log(`ctr with ${name}: skipped (${err.message.split('\n')[0]})`);
      }
    }
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
}

withContainerd()
  .catch((err) => console.log(`containerd: skipped (${err.message.split('\n')[0]})`))
  .finally(() => {
    for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && p.startsWith(work)).reverse()) spawnSync('umount', ['-l', m]);
    fs.rmSync(work, { recursive: true, force: true });
    // runts' standbys live where their callers did, conmon's cgroup among them (README "Start-up")
    endStandbys(repo, process.env.ENGINES_BASELINE);
    // podman's cgroup parent and containerd's /<namespace> parent, in every hierarchy
    for (const parent of ['runts-bench-engines', 'runts-bench']) removeCgroupTree(parent);
    removeEmptyRuncRoot('runts-bench');
    const fmt = (x) => (x === undefined ? '-' : x.toFixed(1));
    console.log(`median of ${N} runs, ms (podman round-robin over the runtimes, ctr one runtime after another)`);
    console.log('runtime         podman run --rm   ctr run --rm');
    for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(16)}${fmt(r.podman).padStart(15)}   ${fmt(r.ctr).padStart(12)}`);
    for (const other of ['runc', 'crun']) {
      const a = results.runts;
      const b = results[other];
      if (a && b) console.log(`runts/${other}: podman ${(a.podman / b.podman).toFixed(2)}x, ctr ${(a.ctr / b.ctr).toFixed(2)}x`);
    }
    const base = results['runts, baseline'];
    if (results.runts && base) console.log(`runts/baseline: podman ${(results.runts.podman / base.podman).toFixed(2)}x, ctr ${(results.runts.ctr / base.ctr).toFixed(2)}x`);
  });
