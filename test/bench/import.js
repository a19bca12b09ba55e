#!/usr/bin/env node
// `ctr images import` of a ~200 MB image (5 layers of incompressible files) into runtsd and into
// a private containerd, in one run, engines alternating: median wall time of the full import
// (with unpack) and of `--no-unpack`, whose blob bytes over time is the blob-write throughput.
// Each import starts from an empty store (images rm --sync, then the store is checked empty).
// usage: node test/bench/import.js [iterations]   (as root, after npm run build)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startEngine, seconds, median } = require('./daemons');
const { buildArchive } = require('./oci-archive');

const N = Number(process.argv[2] ?? 3);
const NS = 'bench-import';
const MB = 1e6;

async function main(work) {
  const layers = Array.from({ length: 5 }, (_, i) => ({ files: Array.from({ length: 4 }, (__, j) => ({ name: `data/l${i}/f${j}.bin`, size: 10 << 20 })) }));
  const image = buildArchive(path.join(work, 'image'), 'bench.local/import:200m', layers);
  const engines = [];
  try {
    for (const name of ['runtsd', 'containerd']) engines.push(await startEngine(name, path.join(work, name)));
    const emptied = async (e) => {
      e.ctr(NS, ['images', 'rm', '--sync', image.name]);
      for (let i = 0; i < 100; i++) {
        if (!e.ctr(NS, ['content', 'ls', '-q']).trim() && !e.ctr(NS, ['snapshots', 'ls']).trim().split('\n').slice(1).length) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${e.name}: the store did not empty after images rm --sync`);
    };
    const times = Object.fromEntries(engines.map((e) => [e.name, { full: [], blobs: [] }]));
    // Warm-up (page cache, daemon code paths), untimed.
    for (const e of engines) {
      e.ctr(NS, ['images', 'import', image.tar]);
      await emptied(e);
    }
    for (let i = 0; i < N; i++) {
      for (const e of engines) {
        times[e.name].blobs.push(seconds(() => e.ctr(NS, ['images', 'import', '--no-unpack', image.tar])));
        await emptied(e);
        times[e.name].full.push(seconds(() => e.ctr(NS, ['images', 'import', image.tar])));
        await emptied(e);
      }
    }
    return { image, times };
  } finally {
    for (const e of engines) await e.stop();
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-import-'));
main(work)
  .then(({ image, times }) => {
    console.log(`image: ${(image.layerBytes / MB).toFixed(1)} MB in ${image.layers.length} uncompressed layers; median of ${N} imports, each into an empty store`);
    console.log('engine       ctr images import   --no-unpack   blob write');
    const rows = {};
    for (const [name, t] of Object.entries(times)) {
      rows[name] = { full: median(t.full), blobs: median(t.blobs) };
      rows[name].mbps = image.blobBytes / MB / rows[name].blobs;
      console.log(`${name.padEnd(12)} ${rows[name].full.toFixed(2).padStart(15)} s   ${rows[name].blobs.toFixed(2).padStart(9)} s   ${rows[name].mbps.toFixed(0).padStart(6)} MB/s`);
    }
    const a = rows.runtsd;
    const b = rows.containerd;
    console.log(`runtsd/containerd: import time ${(a.full / b.full).toFixed(2)}x, --no-unpack time ${(a.blobs / b.blobs).toFixed(2)}x, blob write throughput ${(a.mbps / b.mbps).toFixed(2)}x`);
  })
  .catch((err) => {
    console.log(`import bench failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));
