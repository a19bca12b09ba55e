#!/usr/bin/env node
// Unpack of a 20-layer image (~100 MB uncompressed) by runtsd and by a private containerd, in
// one run, engines alternating. Both get the blobs from `ctr images import --no-unpack`; the
// unpack itself is driven over gRPC by the same client code (runtsctl's: Snapshots.Stat/Prepare,
// Diff.Apply, Snapshots.Commit per layer, as ctr does), so only the daemons differ. Prints unpack
// throughput (MB/s of uncompressed layer) and the latency of Snapshots.Prepare on top of the 20
// layers, both over gRPC and as `ctr snapshots prepare` wall time; then ratios.
// usage: node test/bench/unpack.js [iterations]   (as root, after npm run build)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startEngine, seconds, median, repo } = require('./daemons');
const { buildArchive } = require('./oci-archive');
const { Client } = require(path.join(repo, 'dist', 'client', 'client'));
const { unpackImage } = require(path.join(repo, 'dist', 'client', 'unpack'));
const { chainIds } = require(path.join(repo, 'dist', 'image', 'chain'));

const N = Number(process.argv[2] ?? 3);
const PREPARES = 20;
const NS = 'bench-unpack';
const SNAPSHOTTER = 'overlayfs';
const MB = 1e6;

const elapsed = async (fn) => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

async function main(work) {
  const layers = Array.from({ length: 20 }, (_, i) => ({
    files: [{ name: `l${i}/big.bin`, size: 4 << 20 }, ...Array.from({ length: 50 }, (__, j) => ({ name: `l${i}/small/${j}`, size: 16 << 10 }))],
  }));
  const image = buildArchive(path.join(work, 'image'), 'bench.local/unpack:20', layers);
  const target = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image.manifest };
  const chain = chainIds(image.layers.map((l) => l.digest));
  const top = chain[chain.length - 1];
  const engines = [];
  const clients = [];
  try {
    for (const name of ['runtsd', 'containerd']) {
      const e = await startEngine(name, path.join(work, name));
      engines.push(e);
      e.ctr(NS, ['images', 'import', '--no-unpack', image.tar]);
      e.client = new Client(e.socket, NS);
      clients.push(e.client);
    }
    // Removing the top lets containerd's collector take the rest: gone is as good as removed.
    const removeChain = async (client) => {
      for (const key of chain.slice().reverse()) {
        await client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key }).catch((err) => { if (err.code !== 'NOT_FOUND') throw err; });
      }
      for (let i = 0; i < 100; i++) {
        const pages = await client.stream('snapshots', 'List', { snapshotter: SNAPSHOTTER, filters: [] });
        if (pages.every((p) => p.info.length === 0)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${client.address}: snapshots still listed after removing them`);
    };
    // As ctr does: the unpack runs under a lease, so nothing is collected half-way.
    const unpackUnderLease = async (client, i) => {
      const id = `bench-unpack-${i + 1}`;
      await client.unary('leases', 'Create', { id, labels: {} });
      client.useLease(id);
      try {
        await unpackImage(client, target, SNAPSHOTTER, { layer() {} });
      } finally {
        client.useLease('');
        await client.unary('leases', 'Delete', { id, sync: false });
      }
    };
    const results = Object.fromEntries(engines.map((e) => [e.name, { unpack: [], prepare: [], ctrPrepare: [] }]));
    for (let i = -1; i < N; i++) {
      for (const e of engines) {
        const t = await elapsed(() => unpackUnderLease(e.client, i));
        if (i >= 0) results[e.name].unpack.push(t);
        if (i < N - 1) await removeChain(e.client);
      }
    }
    for (const e of engines) {
      // Under a lease: runtsd collects right after the unpacks' leases go, and an unleased
      // active snapshot is garbage to it (containerd collects later, on its own schedule).
      await e.client.unary('leases', 'Create', { id: 'bench-prepare', labels: {} });
      e.client.useLease('bench-prepare');
      for (let j = -1; j < PREPARES; j++) {
        const key = `bench-prepare-${j + 1}`;
        const t = await elapsed(() => e.client.unary('snapshots', 'Prepare', { snapshotter: SNAPSHOTTER, key, parent: top, labels: {} }));
        if (j >= 0) results[e.name].prepare.push(t);
        await e.client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key });
      }
      e.client.useLease('');
      await e.client.unary('leases', 'Delete', { id: 'bench-prepare', sync: false });
      for (let j = -1; j < 5; j++) {
        const key = `bench-ctr-prepare-${j + 1}`;
        const t = seconds(() => e.ctr(NS, ['snapshots', 'prepare', key, top]));
        if (j >= 0) results[e.name].ctrPrepare.push(t);
        e.ctr(NS, ['snapshots', 'rm', key]);
      }
      await removeChain(e.client);
    }
    return { image, results };
  } finally {
    for (const c of clients) c.close();
    for (const e of engines) await e.stop();
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-unpack-'));
main(work)
  .then(({ image, results }) => {
    console.log(`image: ${image.layers.length} uncompressed layers, ${(image.layerBytes / MB).toFixed(1)} MB; unpack median of ${N}, prepare median of ${PREPARES} (gRPC) and 5 (ctr)`);
    console.log('engine       unpack         Prepare (gRPC)   ctr snapshots prepare');
    const rows = {};
    for (const [name, r] of Object.entries(results)) {
      rows[name] = { mbps: image.layerBytes / MB / median(r.unpack), unpack: median(r.unpack), prepare: median(r.prepare) * 1000, ctr: median(r.ctrPrepare) * 1000 };
      const x = rows[name];
      console.log(`${name.padEnd(12)} ${x.mbps.toFixed(0).padStart(5)} MB/s (${x.unpack.toFixed(2)} s)   ${x.prepare.toFixed(1).padStart(8)} ms   ${x.ctr.toFixed(1).padStart(12)} ms`);
    }
    const a = rows.runtsd;
    const b = rows.containerd;
    console.log(`runtsd/containerd: unpack throughput ${(a.mbps / b.mbps).toFixed(2)}x, Prepare latency ${(a.prepare / b.prepare).toFixed(2)}x (gRPC), ${(a.ctr / b.ctr).toFixed(2)}x (ctr)`);
  })
  .catch((err) => {
    console.log(`unpack bench failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));
