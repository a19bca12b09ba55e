#!/usr/bin/env node
// runtsd against containerd, measured in one run with the stock ctr: median of N sequential
// `ctr run --rm IMAGE idN /bin/true` through runtsd with the runts shim (and, for reference, with
// containerd's runc shim) and through a private containerd with its runc shim; then the daemons'
// and shims' resident memory with M detached containers running. Prints ratios; asserts nothing.
// usage: node test/bench/daemon.js [iterations] [running containers]   (as root, after npm run build)
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { timer, measure: measureN, removeCgroupTree } = require('./measure');

const N = Number(process.argv[2] ?? 20);
const RUNNING = Number(process.argv[3] ?? 20);
const repo = path.resolve(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-daemon-'));
const time = timer(work);
const IMAGE = 'docker.io/library/bench-busybox:latest';

/** An OCI layout tar holding a busybox rootfs, for `ctr images import`. */
function buildImage() {
  const rootfs = path.join(work, 'rootfs');
  const blobs = path.join(work, 'layout', 'blobs', 'sha256');
  execFileSync(path.join(repo, 'scripts', 'make-rootfs.sh'), [rootfs]);
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data) => {
    const hex = crypto.createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', path.join(work, 'layer.tar'), '.']);
  const layer = put(fs.readFileSync(path.join(work, 'layer.tar')));
  const config = put(Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [layer.digest] },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  })));
  fs.writeFileSync(path.join(work, 'layout', 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(work, 'layout', 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': IMAGE } }],
  }));
  execFileSync('tar', ['-C', path.join(work, 'layout'), '-cf', path.join(work, 'image.tar'), '.']);
  return path.join(work, 'image.tar');
}

function startRuntsd() {
  const sock = path.join(work, 'runtsd', 'runtsd.sock');
  const child = spawn(path.join(repo, 'bin', 'runtsd'), ['--address', sock, '--root', path.join(work, 'runtsd', 'root'),
    '--state', path.join(work, 'runtsd', 'state'), '--log-level', 'warn'], {
    stdio: 'ignore',
    env: { ...process.env, RUNTS_SHIM_ROOT: path.join(work, 'runts-shim-root') },
  });
  return { name: 'runtsd', sock, child, namespace: 'runts-bench-rd' };
}

function startContainerd() {
  const sock = path.join(work, 'containerd', 'c.sock');
  fs.mkdirSync(path.dirname(sock), { recursive: true });
  const config = path.join(work, 'containerd', 'config.toml');
  fs.writeFileSync(config, `version = 2\nroot = "${work}/containerd/root"\nstate = "${work}/containerd/state"\n`
    + `disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${sock}"\n[ttrpc]\n  address = "${sock}.ttrpc"\n`);
  const child = spawn('containerd', ['--config', config], { stdio: 'ignore' });
  return { name: 'containerd', sock, child, namespace: 'runts-bench-cd' };
}

const ctrArgs = (d, args) => ['-a', d.sock, '-n', d.namespace, ...args];
const ctr = (d, args) => spawnSync('ctr', ctrArgs(d, args), { encoding: 'utf8' });

async function ready(d) {
  for (let i = 0; i < 150; i++) {
    if (ctr(d, ['version']).status === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${d.name} did not come up`);
}

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return 0;
  }
}

/** Shim processes of a daemon (their -address is its socket). */
function shimPids(d) {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => /containerd-shim-\w+-v2$/.test(a)) && argv.includes(d.sock);
    } catch {
      return false;
    }
  }).map(Number);
}

function memoryWithRunning(d, runtime) {
  for (let i = 0; i < RUNNING; i++) {
    const r = ctr(d, ['run', '-d', '--runtime', runtime, IMAGE, `idle-${i}`, 'sleep', '600']);
    if (r.status !== 0) throw new Error(`${d.name}: run -d: ${r.stderr}`);
  }
  const shims = shimPids(d);
  const result = { daemon: rssKb(d.child.pid), shims: shims.reduce((sum, pid) => sum + rssKb(pid), 0), shimCount: shims.length };
  for (let i = 0; i < RUNNING; i++) {
    ctr(d, ['tasks', 'kill', '-s', 'KILL', `idle-${i}`]);
  }
  for (let i = 0; i < RUNNING; i++) {
    for (let t = 0; t < 50 && !/STOPPED/.test(ctr(d, ['tasks', 'ls']).stdout.split('\n').find((l) => l.startsWith(`idle-${i} `)) ?? 'STOPPED'); t++) {
      spawnSync('sleep', ['0.1']);
    }
    ctr(d, ['tasks', 'delete', `idle-${i}`]);
    ctr(d, ['containers', 'delete', `idle-${i}`]);
  }
  return result;
}

async function main() {
  const image = buildImage();
  const daemons = [startRuntsd(), startContainerd()];
  const results = {};
  try {
    for (const d of daemons) {
      await ready(d);
      execFileSync('ctr', ctrArgs(d, ['images', 'import', image]), { stdio: 'ignore' });
    }
    const [runtsd, containerd] = daemons;
    const cases = [
      ['runtsd + runts shim', runtsd, 'io.containerd.runts.v2'],
      ['runtsd + runc shim', runtsd, 'io.containerd.runc.v2'],
      ['containerd + runc shim', containerd, 'io.containerd.runc.v2'],
    ];
    for (const [name, d, runtime] of cases) {
      const tag = runtime.split('.')[2];
      results[name] = measureN(N, (i) => time('ctr', ctrArgs(d, ['run', '--rm', '--runtime', runtime, IMAGE, `bench-${tag}-${i + 1}`, '/bin/true'])));
    }
    console.log(`ctr run --rm IMAGE idN /bin/true, median of ${N} sequential runs`);
    for (const [name, ms] of Object.entries(results)) console.log(`  ${name.padEnd(24)} ${ms.toFixed(1).padStart(7)} ms`);
    const ratio = (x, y) => (results[x] / results[y]).toFixed(2);
    console.log(`  ratio runtsd+runts / containerd+runc: ${ratio('runtsd + runts shim', 'containerd + runc shim')}`);
    console.log(`  ratio runtsd+runc / containerd+runc (the daemons alone): ${ratio('runtsd + runc shim', 'containerd + runc shim')}`);

    const memRuntsd = memoryWithRunning(runtsd, 'io.containerd.runts.v2');
    const memContainerd = memoryWithRunning(containerd, 'io.containerd.runc.v2');
    const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
    console.log(`resident memory with ${RUNNING} running containers`);
    for (const [name, m] of [['runtsd + runts shims', memRuntsd], ['containerd + runc shims', memContainerd]]) {
      console.log(`  ${name.padEnd(24)} daemon ${mb(m.daemon)}, ${m.shimCount} shims ${mb(m.shims)}, total ${mb(m.daemon + m.shims)}`);
    }
    console.log(`  ratio (daemon + shims): ${((memRuntsd.daemon + memRuntsd.shims) / (memContainerd.daemon + memContainerd.shims)).toFixed(2)}`);
  } finally {
    for (const d of daemons) {
      if (d.child.exitCode === null) {
        d.child.kill('SIGTERM');
        await new Promise((r) => d.child.once('exit', r));
      }
      for (const pid of shimPids(d)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && p.startsWith(work)).reverse()) {
      spawnSync('umount', ['-l', m]);
    }
    fs.rmSync(work, { recursive: true, force: true });
    for (const ns of ['runts-bench-rd', 'runts-bench-cd']) {
      fs.rmSync(path.join('/run/containerd/runc', ns), { recursive: true, force: true });
      removeCgroupTree(ns);
    }
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err.message}`);
  process.exitCode = 1;
});
