#!/usr/bin/env node
// Unpack of one layer holding many empty files (100k by default, in 100 directories) by runtsd and
// by a private containerd, in one run, engines alternating: the per-entry cost of layer
// extraction and whether the daemon's memory grows with the number of entries. Both get the blob
// from `ctr images import --no-unpack`; the unpack is driven over gRPC by the same client code
// (runtsctl's), as in unpack.js. Prints the unpack time, the daemon's RSS before and at its peak
// during the unpack, and the ratios.
// usage: node test/bench/many-files.js [files] [iterations]   (as root, after npm run build)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startEngine, median, repo } = require('./daemons');
const { buildArchive } = require('./oci-archive');
const { Client } = require(path.join(repo, 'dist', 'client', 'client'));
const { unpackImage } = require(path.join(repo, 'dist', 'client', 'unpack'));
const { chainIds } = require(path.join(repo, 'dist', 'image', 'chain'));
const { headerBlocks, endOfArchive } = require(path.join(repo, 'dist', 'diff', 'tar', 'writer'));

const FILES = Number(process.argv[2] ?? 100000);
const N = Number(process.argv[3] ?? 3);
const DIRS = 100;
const NS = 'bench-many-files';
const SNAPSHOTTER = 'overlayfs';

function writeManyFilesTar(file) {
  const fd = fs.openSync(file, 'w');
  const pending = [];
  const flush = () => { fs.writeSync(fd, Buffer.concat(pending.splice(0))); };
  for (let d = 0; d < DIRS; d++) {
    pending.push(headerBlocks({ name: `d${d}/`, type: 'directory' }));
    for (let i = 0; i < FILES / DIRS; i++) {
      pending.push(headerBlocks({ name: `d${d}/f${i}`, type: 'file', size: 0 }));
      if (pending.length >= 1024) flush();
    }
  }
  pending.push(endOfArchive());
  flush();
  fs.closeSync(fd);
}

const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** Runs fn while sampling the RSS of pid every 20 ms; returns seconds and the peak. */
async function measured(pid, fn) {
  let peak = rssOf(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, 20);
  const t0 = process.hrtime.bigint();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, peak: Math.max(peak, rssOf(pid)) };
}

async function main(work) {
  const image = buildArchive(path.join(work, 'image'), 'bench.local/many-files:1', [{ writeTar: writeManyFilesTar }]);
  const target = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image.manifest };
  const [top] = chainIds(image.layers.map((l) => l.digest));
  const engines = [];
  try {
    for (const name of ['runtsd', 'containerd']) {
      const e = await startEngine(name, path.join(work, name));
      engines.push(e);
      e.ctr(NS, ['images', 'import', '--no-unpack', image.tar]);
      e.client = new Client(e.socket, NS);
    }
    const results = Object.fromEntries(engines.map((e) => [e.name, { seconds: [], before: [], peak: [] }]));
    for (let i = 0; i < N; i++) {
      for (const e of engines) {
        const id = `bench-many-${i}`;
        await e.client.unary('leases', 'Create', { id, labels: {} });
        e.client.useLease(id);
        const before = rssOf(e.pid);
        const m = await measured(e.pid, () => unpackImage(e.client, target, SNAPSHOTTER, { layer() {} }));
        e.client.useLease('');
        results[e.name].seconds.push(m.seconds);
        results[e.name].before.push(before);
        results[e.name].peak.push(m.peak);
        await e.client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: top }).catch(() => undefined);
        await e.client.unary('leases', 'Delete', { id, sync: true });
      }
    }
    return results;
  } finally {
    for (const e of engines) {
      e.client?.close();
      await e.stop();
    }
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-many-files-'));
const MB = 1e6;
main(work)
  .then((results) => {
    console.log(`one layer of ${FILES} empty files in ${DIRS} directories; median of ${N}`);
    console.log('engine       unpack     RSS before   RSS peak');
    const rows = {};
    for (const [name, r] of Object.entries(results)) {
      rows[name] = { s: median(r.seconds), before: median(r.before) / MB, peak: median(r.peak) / MB };
      console.log(`${name.padEnd(12)} ${rows[name].s.toFixed(2).padStart(6)} s ${rows[name].before.toFixed(0).padStart(8)} MB ${rows[name].peak.toFixed(0).padStart(8)} MB`);
    }
    const a = rows.runtsd;
    const b = rows.containerd;
    console.log(`runtsd/containerd: unpack time ${(a.s / b.s).toFixed(2)}x; RSS growth during unpack ${(a.peak - a.before).toFixed(0)} MB vs ${(b.peak - b.before).toFixed(0)} MB`);
  })
  .catch((err) => {
    console.log(`many-files bench failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));
