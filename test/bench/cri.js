// CRI latency and memory: runtsd's CRI against containerd 1.6's CRI plugin (Debian's, a private
// instance) on the same machine, same CNI config, same image, same sandbox image (runts-pause,
// exported from runtsd into containerd), in one run. For each engine: the kubelet sequence
// RunPodSandbox, CreateContainer, StartContainer, StopContainer, RemoveContainer,
// StopPodSandbox, RemovePodSandbox (median of N rounds after a warm-up), then the memory (PSS)
// of the daemon and its shims per running pod (K pods of one sleeping container each), read at
// rest before and with the pods, counted twice: the growth over the engine before the pods
// ((after-before)/pods), and with every shim alive before the pods charged to them too (runtsd
// keeps one shared shim warm between pods); and the daemon's own growth in Private_Dirty, which
// other processes mapping or unmapping shared pages (a resting shim drops Node's code) leave alone.
// Usage: [RUNTSD_SHIM_GROUP=namespace | RUNTSD_PODS_PER_SHIM=N] node test/bench/cri.js [rounds=10] [pods=5]
//   default: runtsd's own default (pods share shims, pods_per_shim in its CRI config);
//   RUNTSD_PODS_PER_SHIM=1: one shim per pod, as containerd; RUNTSD_SHIM_GROUP=namespace: one shim
//   for all pods through the shim's runtime config file.
// CRI_BENCH_LOG_LEVEL=debug: runtsd logs at debug level (its shims' lines too); the log's end is
// printed when the bench fails.
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { buildArchive } = require('./oci-archive');
const { unmountUnder, median, repo } = require('./daemons');
const { removeCgroupTree, removeEmptyRuncRoot } = require('./measure');
require('./load-ts');
const { noteSharedChains, removeSharedChainsIfUnused } = require('../helpers/cni-net.ts');
const { shimPids } = require('../helpers/shim-pids.ts');

const ROUNDS = Number(process.argv[2] ?? 10);
/** RUNTSD_SHIM_GROUP=namespace: all pods in one runts shim instead of one shim per pod. */
const GROUPED = process.env.RUNTSD_SHIM_GROUP === 'namespace';
const PODS_PER_SHIM = process.env.RUNTSD_PODS_PER_SHIM;
const MODE = GROUPED ? 'one shim for all pods' : PODS_PER_SHIM ? `pods_per_shim = ${PODS_PER_SHIM}` : 'default pods_per_shim';
const PODS = Number(process.argv[3] ?? 5);
const IMAGE = 'docker.io/library/bench-busybox:latest';
const PAUSE = 'localhost/runts/pause:0.1.0';
// runtsd and containerd put pods without a cgroup_parent under /k8s.io and leave that parent
const podsParentWasThere = fs.existsSync('/sys/fs/cgroup/memory/k8s.io');
const STEPS = ['RunPodSandbox', 'CreateContainer', 'StartContainer', 'StopContainer', 'RemoveContainer', 'StopPodSandbox', 'RemovePodSandbox'];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-cri-'));
const bridge = `rtbcri${process.pid % 10000}`;
const netName = `bench-cri-${process.pid}`;
const confDir = path.join(work, 'net.d');
fs.mkdirSync(confDir);
fs.writeFileSync(path.join(confDir, '10-bench.conflist'), JSON.stringify({
  cniVersion: '1.0.0', name: netName,
  plugins: [
    { type: 'bridge', bridge, isGateway: true, ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.250.9.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(work, 'ipam') } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
}));

const def = protoLoader.loadSync('cri/runtime/v1/api.proto', { keepCase: true, longs: Number, enums: String, defaults: true, includeDirs: [path.join(repo, 'proto')] });
const pkg = grpc.loadPackageDefinition(def);

function criClient(socket) {
  const runtime = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  const call = (method, request) => new Promise((resolve, reject) => {
    runtime[method](request, { deadline: Date.now() + 120000 }, (err, res) => (err ? reject(new Error(`${method}: ${err.details}`)) : resolve(res)));
  });
  return { call, close: () => runtime.close() };
}

function launch(name, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'grpc.sock');
  const sandboxImage = name === 'runtsd' ? '' : `  sandbox_image = "${PAUSE}"\n`;
  const podsPerShim = name === 'runtsd' && PODS_PER_SHIM ? `  pods_per_shim = ${Number(PODS_PER_SHIM)}\n` : '';
  const cri = `[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n${podsPerShim}${sandboxImage}  [plugins."io.containerd.grpc.v1.cri".cni]\n    conf_dir = "${confDir}"\n    bin_dir = "/usr/lib/cni"\n`;
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'a');
  let child;
  if (name === 'runtsd') {
    // runts-shim.toml: every pod in one shim (shim_group = "namespace"), as `runtsd-grouped`
    const shimConfig = path.join(dir, 'runts-shim.toml');
    fs.writeFileSync(shimConfig, 'shim_group = "namespace"\n');
    const runtime = GROUPED ? `  [plugins."io.containerd.grpc.v1.cri".containerd]\n    default_runtime_name = "runts"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runts]\n    runtime_type = "io.containerd.runts.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runts.options]\n    ConfigPath = "${shimConfig}"\n` : '';
    fs.writeFileSync(path.join(dir, 'config.toml'), cri + runtime);
    child = spawn(path.join(repo, 'bin', 'runtsd'), ['--address', socket, '--root', path.join(dir, 'root'), '--state', path.join(dir, 'state'), '--config', path.join(dir, 'config.toml'), '--log-level', process.env.CRI_BENCH_LOG_LEVEL || 'warn'], { stdio: ['ignore', log, log] });
  } else {
    fs.writeFileSync(path.join(dir, 'config.toml'), `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${socket}"\n[ttrpc]\n  address = "${socket}.ttrpc"\n[debug]\n  address = "${socket}.debug"\n[metrics]\n  address = ""\n`
      + `${cri}  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = false\n`);
    child = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  }
  fs.closeSync(log);
  return { name, dir, socket, child };
}

async function waitReady(engine) {
  for (let i = 0; i < 200; i++) {
    if (engine.child.exitCode !== null) break;
    if (spawnSync('ctr', ['-a', engine.socket, 'version'], { stdio: 'ignore' }).status === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${engine.name} did not start: ${fs.readFileSync(path.join(engine.dir, 'daemon.log'), 'utf8').slice(-2000)}`);
}

const ctr = (engine, args) => execFileSync('ctr', ['-a', engine.socket, '-n', 'k8s.io', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

async function stop(engine) {
  if (engine.child.exitCode === null && engine.child.signalCode === null) {
    const exited = new Promise((r) => engine.child.once('exit', r));
    engine.child.kill('SIGTERM');
    const t = setTimeout(() => engine.child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
  }
  // a failed run leaves pods: their shims and containers go too
  for (const shim of shimPids(engine.socket)) {
    const children = fs.readdirSync(`/proc/${shim}/task`).flatMap((t) => fs.readFileSync(`/proc/${shim}/task/${t}/children`, 'utf8').split(' ').filter(Boolean));
    for (const pid of [...children, shim]) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  unmountUnder(engine.dir);
}

/** A field of the process's smaps_rollup, in KiB (0 once it is gone). */
const rollupKiB = (pid, field) => {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
  } catch {
    return 0;
  }
};
const pssKiB = (pid) => rollupKiB(pid, 'Pss');
/** CPU time (user + system) the process has used, in ms. */
const cpuMs = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100); // utime, stime in clock ticks (USER_HZ 100)
};

/** PSS of the daemon alone and of its shims, how many shims, and the daemon's Private_Dirty (its own
 *  pages: unlike PSS, it does not change when other processes map or unmap the pages it shares). */
const engineMemory = (engine) => {
  const shims = shimPids(engine.socket);
  return {
    daemonKiB: pssKiB(engine.child.pid),
    shimsKiB: shims.reduce((s, pid) => s + pssKiB(pid), 0),
    shims: shims.length,
    daemonPrivateDirtyKiB: rollupKiB(engine.child.pid, 'Private_Dirty'),
  };
};

const podConfig = (name) => ({
  metadata: { name, namespace: 'bench', uid: `uid-${name}`, attempt: 0 }, hostname: name, log_directory: path.join(work, 'logs'), linux: {},
});
const containerConfig = { metadata: { name: 'c' }, image: { image: IMAGE }, command: ['sleep', '3600'], log_path: 'c.log' };

const rest = () => new Promise((r) => setTimeout(r, 3000));

async function cycle(cri, name, times) {
  const t = (step) => { const t0 = process.hrtime.bigint(); return () => times[step].push(Number(process.hrtime.bigint() - t0) / 1e6); };
  const config = podConfig(name);
  let done = t('RunPodSandbox');
  const { pod_sandbox_id: pod } = await cri.call('RunPodSandbox', { config });
  done();
  done = t('CreateContainer');
  const { container_id: id } = await cri.call('CreateContainer', { pod_sandbox_id: pod, config: containerConfig, sandbox_config: config });
  done();
  done = t('StartContainer'); await cri.call('StartContainer', { container_id: id }); done();
  done = t('StopContainer'); await cri.call('StopContainer', { container_id: id, timeout: 0 }); done();
  done = t('RemoveContainer'); await cri.call('RemoveContainer', { container_id: id }); done();
  done = t('StopPodSandbox'); await cri.call('StopPodSandbox', { pod_sandbox_id: pod }); done();
  done = t('RemovePodSandbox'); await cri.call('RemovePodSandbox', { pod_sandbox_id: pod }); done();
}

async function benchEngine(engine, imageTar) {
  await waitReady(engine);
  ctr(engine, ['images', 'import', imageTar]);
  const cri = criClient(engine.socket);
  try {
    const times = Object.fromEntries(STEPS.map((s) => [s, []]));
    await cycle(cri, 'warmup', Object.fromEntries(STEPS.map((s) => [s, []])));
    const cpuBefore = cpuMs(engine.child.pid);
    for (let i = 0; i < ROUNDS; i++) await cycle(cri, `p${i}`, times);
    const cyclesCpuMs = (cpuMs(engine.child.pid) - cpuBefore) / ROUNDS;
    // memory at rest, before the pods as after them: the same wait for both engines (a runts
    // shim hands back what it only needed while working 1 s after its last request,
    // src/shim/idle-memory.ts)
    await rest();
    const before = engineMemory(engine);
    const pods = [];
    for (let i = 0; i < PODS; i++) {
      const config = podConfig(`m${i}`);
      const { pod_sandbox_id: pod } = await cri.call('RunPodSandbox', { config });
      const { container_id: id } = await cri.call('CreateContainer', { pod_sandbox_id: pod, config: containerConfig, sandbox_config: config });
      await cri.call('StartContainer', { container_id: id });
      pods.push(pod);
    }
    await rest();
    const after = engineMemory(engine);
    for (const pod of pods) {
      await cri.call('StopPodSandbox', { pod_sandbox_id: pod });
      await cri.call('RemovePodSandbox', { pod_sandbox_id: pod });
    }
    const total = (m) => m.daemonKiB + m.shimsKiB;
    return {
      times,
      cyclesCpuMs,
      perPodKiB: (total(after) - total(before)) / PODS,
      // every shim alive with the pods is theirs: only the idle daemon is not
      perPodWithShimsKiB: (total(after) - before.daemonKiB) / PODS,
      daemonPrivateDirtyPerPodKiB: (after.daemonPrivateDirtyKiB - before.daemonPrivateDirtyKiB) / PODS,
      before,
      after,
    };
  } finally {
    cri.close();
  }
}

async function main() {
  noteSharedChains();
  const imageDir = path.join(work, 'image');
  fs.mkdirSync(imageDir);
  // the host's static busybox as sh and sleep
  const rootfs = path.join(imageDir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'sleep']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  const { tar: imageTar } = buildArchive(imageDir, IMAGE, [{ writeTar: (p) => execFileSync('tar', ['-C', rootfs, '-cf', p, 'bin']) }]);
  const results = {};
  const runtsd = launch('runtsd', path.join(work, 'runtsd'));
  try {
    results.runtsd = await benchEngine(runtsd, imageTar);
    // containerd gets the same sandbox image: runtsd's runts-pause image, exported
    ctr(runtsd, ['images', 'export', path.join(work, 'pause.tar'), PAUSE]);
  } finally {
    await stop(runtsd);
  }
  const containerd = launch('containerd', path.join(work, 'containerd'));
  try {
    await waitReady(containerd);
    ctr(containerd, ['images', 'import', path.join(work, 'pause.tar')]);
    results.containerd = await benchEngine(containerd, imageTar);
  } finally {
    await stop(containerd);
  }
  const r = results.runtsd;
  const c = results.containerd;
  console.log(`CRI latency, median of ${ROUNDS} rounds (ms): runtsd (${MODE}) | containerd 1.6 CRI | ratio`);
  let sumR = 0;
  let sumC = 0;
  for (const step of STEPS) {
    const a = median(r.times[step]);
    const b = median(c.times[step]);
    sumR += a;
    sumC += b;
    console.log(`  ${step.padEnd(18)} ${a.toFixed(1).padStart(8)} | ${b.toFixed(1).padStart(8)} | ${(a / b).toFixed(2)}x`);
  }
  console.log(`  ${'whole pod cycle'.padEnd(18)} ${sumR.toFixed(1).padStart(8)} | ${sumC.toFixed(1).padStart(8)} | ${(sumR / sumC).toFixed(2)}x`);
  console.log(`  ${'daemon CPU/cycle'.padEnd(18)} ${r.cyclesCpuMs.toFixed(1).padStart(8)} | ${c.cyclesCpuMs.toFixed(1).padStart(8)} | ${(r.cyclesCpuMs / c.cyclesCpuMs).toFixed(2)}x  (user+system of the daemon process, shims not counted)`);
  const mib = (kib) => (kib / 1024).toFixed(1);
  console.log(`memory (PSS of daemon + shims) per running pod (${PODS} pods), (after-before)/pods: runtsd ${mib(r.perPodKiB)} MiB | containerd ${mib(c.perPodKiB)} MiB | ${(r.perPodKiB / c.perPodKiB).toFixed(2)}x`);
  console.log(`  with the shims alive before the pods charged to them: runtsd ${mib(r.perPodWithShimsKiB)} MiB | containerd ${mib(c.perPodWithShimsKiB)} MiB | ${(r.perPodWithShimsKiB / c.perPodWithShimsKiB).toFixed(2)}x`);
  console.log(`  the daemon's own growth (Private_Dirty) per pod: runtsd ${mib(r.daemonPrivateDirtyPerPodKiB)} MiB | containerd ${mib(c.daemonPrivateDirtyPerPodKiB)} MiB`);
  const idle = (m) => `daemon ${mib(m.daemonKiB)} MiB + ${m.shims} shim(s) ${mib(m.shimsKiB)} MiB`;
  const privateDirty = (m) => `daemon's Private_Dirty ${mib(m.daemonPrivateDirtyKiB)} MiB`;
  console.log(`idle PSS before the pods: runtsd ${idle(r.before)} | containerd ${idle(c.before)}`);
  console.log(`with ${PODS} pods: runtsd ${idle(r.after)} | containerd ${idle(c.after)}`);
  console.log(`  before / with the pods: runtsd ${privateDirty(r.before)} / ${mib(r.after.daemonPrivateDirtyKiB)} MiB | containerd ${privateDirty(c.before)} / ${mib(c.after.daemonPrivateDirtyKiB)} MiB`);
}

main().catch((err) => {
  console.error(err);
  // what runtsd said before the failure
  const log = path.join(work, 'runtsd', 'daemon.log');
  if (fs.existsSync(log)) console.error(`runtsd's log:\n${fs.readFileSync(log, 'utf8').split('\n').slice(-60).join('\n')}`);
  process.exitCode = 1;
}).finally(() => {
  spawnSync('ip', ['link', 'del', bridge]);
  for (const table of ['nat', 'filter']) {
    for (const rule of spawnSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' }).stdout.split('\n')) {
      if (rule.startsWith('-A ') && rule.includes(netName)) spawnSync('sh', ['-c', `iptables -t ${table} ${rule.replace(/^-A/, '-D')}`]);
    }
  }
  removeSharedChainsIfUnused();
  removeEmptyRuncRoot('k8s.io');
  if (!podsParentWasThere) removeCgroupTree('k8s.io');
  unmountUnder(work);
  fs.rmSync(work, { recursive: true, force: true });
});
