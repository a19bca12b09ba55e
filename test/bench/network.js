#!/usr/bin/env node
// The cost of a container's network, measured in one run: median of N sequential
// `runtsctl run --rm IMAGE true` with --network none (a pinned netns with lo), with a CNI bridge
// network and a published port, and with the host's network; `ctr run --rm` through the same
// runtsd (no network, no runtsctl) for reference; then CNI ADD+DEL alone (the library, the
// bridge+portmap+firewall+tuning list) per container. Prints; asserts nothing.
// usage: node test/bench/network.js [iterations]   (as root, after npm run build)
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { timer, measure, removeCgroupTree } = require('./measure');
require('./load-ts');
const { noteSharedChains, removeSharedChainsIfUnused } = require('../helpers/cni-net.ts');

const N = Number(process.argv[2] ?? 10);
const repo = path.resolve(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-network-'));
const time = timer(work);
const IMAGE = 'example.com/runts/bench-net:latest';
const NAMESPACE = `runts-bench-net-${process.pid}`;
const NETWORK = `runts-bench-${process.pid}`;
const BRIDGE = `rtbench${process.pid % 100000}`;
const SUBNET = `10.${(process.pid % 200) + 20}.3.0/24`;
const PORT = 40000 + (process.pid % 20000);
const dataRoot = path.join(work, 'data');
const confDir = path.join(work, 'net.d');
const sock = path.join(work, 'runtsd', 'runtsd.sock');

function buildImage() {
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  for (const a of ['sh', 'true']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  const blobs = path.join(work, 'layout', 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data) => {
    const hex = crypto.createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', path.join(work, 'layer.tar'), '.']);
  const layer = put(fs.readFileSync(path.join(work, 'layer.tar')));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['true'] }, rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  })));
  fs.writeFileSync(path.join(work, 'layout', 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(work, 'layout', 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': IMAGE } }],
  }));
  execFileSync('tar', ['-C', path.join(work, 'layout'), '-cf', path.join(work, 'image.tar'), '.']);
  return path.join(work, 'image.tar');
}

function writeNetwork() {
  fs.mkdirSync(confDir);
  fs.writeFileSync(path.join(confDir, '10-bench.conflist'), JSON.stringify({
    cniVersion: '1.0.0', name: NETWORK,
    plugins: [
      { type: 'bridge', bridge: BRIDGE, isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(work, 'ipam') } },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'firewall' },
      { type: 'tuning' },
    ],
  }));
}

const accepts = () => new Promise((resolve) => {
  const s = net.connect(sock);
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

const ctlArgs = (args) => [path.join(repo, 'bin', 'runtsctl'), '--address', sock, '-n', NAMESPACE, '--data-root', dataRoot, '--cni-netconfpath', confDir, ...args];
const ctl = (args) => time(process.execPath, ctlArgs(args));

async function main() {
  noteSharedChains();
  const tar = buildImage();
  writeNetwork();
  const daemon = spawn(process.execPath, [path.join(repo, 'bin', 'runtsd'), '--address', sock, '--root', path.join(work, 'runtsd', 'root'),
    '--state', path.join(work, 'runtsd', 'state'), '--log-level', 'warn'], { stdio: 'ignore', env: { ...process.env, RUNTS_SHIM_ROOT: path.join(work, 'shim-root') } });
  try {
    for (let i = 0; i < 100 && !(await accepts()); i++) await new Promise((r) => setTimeout(r, 100));
    execFileSync(process.execPath, ctlArgs(['images', 'import', tar]), { stdio: 'ignore' });

    const runs = [
      ['ctr run --rm (runtsd, runts shim, no network)', () => measure(N, (i) => time('ctr', ['-a', sock, '-n', NAMESPACE, 'run', '--rm', '--runtime', 'io.containerd.runts.v2', IMAGE, `ctr-${i + 1}`, 'true']))],
      ['runtsctl run --rm --network host', () => measure(N, () => ctl(['run', '--rm', '--network', 'host', IMAGE, 'true']))],
      ['runtsctl run --rm --network none', () => measure(N, () => ctl(['run', '--rm', '--network', 'none', IMAGE, 'true']))],
      [`runtsctl run --rm -p ${PORT}:80 (bridge)`, () => measure(N, () => ctl(['run', '--rm', '--network', NETWORK, '-p', `${PORT}:80`, IMAGE, 'true']))],
    ];
    const results = runs.map(([name, fn]) => [name, fn()]);
    const none = results[2][1];
    console.log(`network bench: median of ${N} runs each (ms)`);
    for (const [name, ms] of results) console.log(`  ${name.padEnd(50)} ${ms.toFixed(0).padStart(6)}  ${(ms / none).toFixed(2)}x of --network none`);
    console.log(`  cost of the bridge network and a published port: ${(results[3][1] - none).toFixed(0)} ms per run`);

    const { Cni } = require(path.join(repo, 'dist', 'network', 'cni', 'cni'));
    const { NetnsDir } = require(path.join(repo, 'dist', 'network', 'netns'));
    const { attachNetwork, detachNetwork } = require(path.join(repo, 'dist', 'network', 'attach'));
    const env = { confDir, cni: new Cni({ cacheDir: path.join(work, 'cni-lib') }), netns: new NetnsDir(path.join(work, 'netns-lib')) };
    const adds = [];
    const dels = [];
    for (let i = -1; i < N; i++) {
      const id = `bench-${process.pid}-${i + 1}`;
      const t0 = process.hrtime.bigint();
      await attachNetwork(env, id, NETWORK, [{ hostPort: PORT, containerPort: 80, protocol: 'tcp', hostIP: '' }]);
      const t1 = process.hrtime.bigint();
      await detachNetwork(env, id, NETWORK);
      const t2 = process.hrtime.bigint();
      if (i >= 0) {
        adds.push(Number(t1 - t0) / 1e6);
        dels.push(Number(t2 - t1) / 1e6);
      }
    }
    const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`  CNI library: netns + lo + ADD (bridge, portmap, firewall, tuning) ${med(adds).toFixed(0)} ms, DEL + netns removal ${med(dels).toFixed(0)} ms (medians of ${N})`);
  } finally {
    spawnSync(process.execPath, ctlArgs(['rm', '-f', ...spawnSync(process.execPath, ctlArgs(['ps', '-aq']), { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)]), { stdio: 'ignore' });
    daemon.kill('SIGKILL');
    await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.once('exit', r)));
    spawnSync('ip', ['link', 'del', BRIDGE]);
    removeSharedChainsIfUnused();
    removeCgroupTree(`/${NAMESPACE}`);
    for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && p.startsWith(work)).reverse()) {
      spawnSync('umount', ['-l', m]);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
