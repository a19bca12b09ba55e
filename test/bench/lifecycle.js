#!/usr/bin/env node
// Lifecycle latency of runts against runc (and crun when it can run here), measured in the same
// run on the same bundle: median of N sequential `run <id> /bin/true`, of create+start+delete,
// and of `node -e 0` on the pinned Node (the floor of any Node CLI). Prints ratios; asserts nothing.
// usage: node test/bench/lifecycle.js [iterations]   (as root)
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const N = Number(process.argv[2] ?? 30);
const repo = path.resolve(__dirname, '..', '..');
const runtsBin = path.join(repo, 'bin', 'runts');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-'));
const bundle = path.join(work, 'bundle');
fs.mkdirSync(bundle);
execFileSync(path.join(repo, 'scripts', 'make-rootfs.sh'), [path.join(bundle, 'rootfs')]);
execFileSync(runtsBin, ['spec', '--bundle', bundle]);
const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
config.process.terminal = false;
config.process.args = ['/bin/true'];
// The oldest version every runtime here accepts (crun 1.8 refuses 1.3.0).
config.ociVersion = '1.0.2-dev';
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));

const { timer, measure: measureN } = require('./measure');
const time = timer(work);
const measure = (fn) => measureN(N, fn);

// crun 1.8 refuses this hybrid cgroup layout unless cgroup2 is unmounted in a private mount ns.
const crunWrapper = path.join(work, 'crun');
fs.writeFileSync(crunWrapper, `#!/bin/sh\nexec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"\n`, { mode: 0o755 });
const runtimes = [['runts', runtsBin], ['runc', 'runc']];
if (spawnSync('which', ['crun']).status === 0) runtimes.push(['crun', crunWrapper]);

const results = {};
try {
  results['node -e 0'] = { run: measure(() => time(path.join(repo, 'node_modules', '.bin', 'node'), ['-e', '0'])) };
  for (const [name, bin] of runtimes) {
    const root = path.join(work, `root-${name}`);
    const id = (i) => `bench-${name}-${process.pid}-${i}`;
    try {
      results[name] = {
        run: measure((i) => time(bin, ['--root', root, 'run', '--bundle', bundle, id(`r${i}`)])),
        cycle: measure((i) => time(bin, ['--root', root, 'create', '--bundle', bundle, id(`c${i}`)]) +
          time(bin, ['--root', root, 'start', id(`c${i}`)]) +
          time(bin, ['--root', root, 'delete', '--force', id(`c${i}`)])),
      };
    } catch (err) {
      console.log(`${name}: skipped (${err.message.split('\n')[0]})`);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

const fmt = (x) => (x === undefined ? '-' : x.toFixed(1));
console.log(`median of ${N} sequential runs, ms`);
console.log('runtime   run /bin/true   create+start+delete');
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(10)}${fmt(r.run).padStart(13)}   ${fmt(r.cycle).padStart(19)}`);
const rt = results.runts;
if (rt) {
  for (const other of ['runc', 'crun']) {
    if (results[other]) console.log(`runts/${other}: run ${(rt.run / results[other].run).toFixed(2)}x, create+start+delete ${(rt.cycle / results[other].cycle).toFixed(2)}x`);
  }
  console.log(`runts run above the node -e 0 floor: ${(rt.run - results['node -e 0'].run).toFixed(1)} ms`);
}
