#!/usr/bin/env node
// Pull of a ~100 MB, 5-layer gzip image from Debian's docker-registry on loopback, in one run:
// `runtsctl pull` against runtsd (runtsd fetching and unpacking itself), `runtsctl pull --local`
// (runtsctl fetching and writing through runtsd's content service, as ctr does), and `ctr pull`
// against a private containerd and against runtsd, engines alternating. Each pull starts from nothing: the image is
// removed and its content and snapshots collected between runs. Prints wall times and ratios.
// usage: node test/bench/pull.js [iterations]   (as root, after npm run build)
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const { createHash, randomFillSync } = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { startEngine, median, repo } = require('./daemons');

const N = Number(process.argv[2] ?? 3);
const NS = 'bench-pull';
const RUNTSCTL = path.join(repo, 'bin', 'runtsctl');
const MB = 1e6;

const sha256 = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** 5 layers of ~20 MB each: half random (incompressible), half text-like files. */
function buildLayout(dir) {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const text = Buffer.from('the quick brown fox jumps over the lazy registry\n'.repeat(700));
  const layers = [];
  const diffIds = [];
  let uncompressed = 0;
  for (let i = 0; i < 5; i++) {
    const root = path.join(dir, `layer-${i}`);
    fs.mkdirSync(path.join(root, `l${i}`, 'small'), { recursive: true });
    fs.writeFileSync(path.join(root, `l${i}`, 'random.bin'), randomFillSync(Buffer.alloc(10 << 20)));
    for (let j = 0; j < 300; j++) fs.writeFileSync(path.join(root, `l${i}`, 'small', `f${j}.txt`), text);
    const tar = execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
    fs.rmSync(root, { recursive: true });
    uncompressed += tar.length;
    diffIds.push(sha256(tar));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(zlib.gzipSync(tar)) });
  }
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const config = put(Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers,
  })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  return { compressed: layers.reduce((s, l) => s + l.size, 0), uncompressed, manifest: manifest.digest };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRegistry(dir) {
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, 'http:', `  addr: 127.0.0.1:${port}`, '',
  ].join('\n'));
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const up = () => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
  for (let i = 0; !(await up()); i++) {
    if (i > 100) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim().slice(-500)}`);
  return s;
}

async function main(work) {
  const image = buildLayout(path.join(work, 'layout'));
  const registry = await startRegistry(path.join(work, 'registry'));
  const ref = `${registry.host}/bench/pull:1`;
  const engines = [];
  try {
    execFileSync('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${path.join(work, 'layout')}:latest`, `docker://${ref}`]);
    for (const name of ['runtsd', 'containerd']) engines.push(await startEngine(name, path.join(work, name)));
    const [runtsd, containerd] = engines;
    const ways = {
      'runtsctl pull -> runtsd': { engine: runtsd, run: () => timed(RUNTSCTL, ['-a', runtsd.socket, '-n', NS, 'pull', '--plain-http', ref]) },
      'runtsctl pull --local': { engine: runtsd, run: () => timed(RUNTSCTL, ['-a', runtsd.socket, '-n', NS, 'pull', '--local', '--plain-http', ref]) },
      'ctr pull -> containerd': { engine: containerd, run: () => timed('ctr', ['-a', containerd.socket, '-n', NS, 'images', 'pull', '--plain-http', ref]) },
      'ctr pull -> runtsd': { engine: runtsd, run: () => timed('ctr', ['-a', runtsd.socket, '-n', NS, 'images', 'pull', '--plain-http', ref]) },
    };
    const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
    for (let i = -1; i < N; i++) {
      for (const [name, way] of Object.entries(ways)) {
        const t = way.run();
        if (i >= 0) times[name].push(t);
        // From nothing next time: the image goes, collection takes its content and snapshots.
        way.engine.ctr(NS, ['images', 'rm', '--sync', ref]);
        const left = way.engine.ctr(NS, ['content', 'ls', '-q']).trim();
        if (left) throw new Error(`${way.engine.name}: content left after rm --sync: ${left}`);
      }
    }
    return { image, times };
  } finally {
    for (const e of engines) await e.stop();
    registry.stop();
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-pull-'));
main(work)
  .then(({ image, times }) => {
    console.log(`image: 5 gzip layers, ${(image.compressed / MB).toFixed(1)} MB compressed, ${(image.uncompressed / MB).toFixed(1)} MB uncompressed; median of ${N} pulls from nothing`);
    const med = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
    for (const [name, s] of Object.entries(med)) {
      console.log(`${name.padEnd(26)} ${s.toFixed(2).padStart(6)} s  ${(image.compressed / MB / s).toFixed(0).padStart(4)} MB/s`);
    }
    const ref = med['ctr pull -> containerd'];
    console.log(`vs ctr pull -> containerd: runtsctl pull ${(med['runtsctl pull -> runtsd'] / ref).toFixed(2)}x, runtsctl pull --local ${(med['runtsctl pull --local'] / ref).toFixed(2)}x, ctr pull -> runtsd ${(med['ctr pull -> runtsd'] / ref).toFixed(2)}x (time; lower is faster)`);
  })
  .catch((err) => {
    console.log(`pull bench failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));
