// Shared by the bench scripts: time one command (stderr to a file: a created container keeps
// the stdio it was given, so a pipe would never reach EOF), take medians after a warm-up, and
// remove the cgroups and standbys the engines leave.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function timer(workDir) {
  const errFile = path.join(workDir, 'stderr');
  return function time(cmd, args, env = process.env) {
    const err = fs.openSync(errFile, 'w');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', err], env });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    fs.closeSync(err);
    if (r.status !== 0) throw new Error(`${cmd} ${args.slice(-6).join(' ')}: exit ${r.status}: ${fs.readFileSync(errFile, 'utf8').slice(0, 300)}`);
    return ms;
  };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** fn(i) for i = -1 (warm-up), 0..n-1; the median of the n timed runs. */
function measure(n, fn) {
  fn(-1);
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(fn(i));
  return median(xs);
}

/** Removes a cgroup parent the bench's engines created, in every hierarchy (empty ones only). */
function removeCgroupTree(rel) {
  const removeTree = (dir) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) removeTree(path.join(dir, e.name));
    try { fs.rmdirSync(dir); } catch { /* busy */ }
  };
  for (const h of fs.readdirSync('/sys/fs/cgroup').filter((x) => x !== 'process_api')) removeTree(path.join('/sys/fs/cgroup', h, rel));
}

/** containerd's runc shim leaves its root for a namespace, /run/containerd/runc/<namespace>: gone if empty. */
function removeEmptyRuncRoot(namespace) {
  try {
    fs.rmdirSync(path.join('/run/containerd/runc', namespace));
  } catch {
    // absent, or holds some other client's containers
  }
}

/** Ends the standbys (README "Start-up") of each built checkout given: this one's and a baseline's. */
function endStandbys(...checkouts) {
  for (const dir of checkouts.filter(Boolean)) execFileSync(path.join(path.resolve(dir), 'scripts', 'end-standbys.sh'));
}

module.exports = { timer, measure, removeCgroupTree, removeEmptyRuncRoot, endStandbys };
