// Shared by the image benches: a runtsd and a private containerd on sockets under a work dir,
// driven by the stock ctr; stop() ends the daemon it started (by pid) and unmounts what is left.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');

async function waitForCtr(socket, child, logFile) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    if (spawnSync('ctr', ['-a', socket, 'version'], { stdio: 'ignore' }).status === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon on ${socket} did not start: ${fs.readFileSync(logFile, 'utf8').slice(-1000)}`);
}

function unmountUnder(dir) {
  const targets = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4])
    .filter((p) => p && (p === dir || p.startsWith(`${dir}/`)));
  for (const t of targets.reverse()) spawnSync('umount', ['-l', t]);
}

/** Spawns runtsd or containerd on a socket under dir, logging to dir/daemon.log; does not wait. */
function launchEngine(name, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'grpc.sock');
  const logFile = path.join(dir, 'daemon.log');
  const log = fs.openSync(logFile, 'a');
  let child;
  if (name === 'runtsd') {
    // bin/runtsd runs on the pinned Node, whichever node runs this bench
    child = spawn(path.join(repo, 'bin', 'runtsd'), ['--address', socket, '--root', path.join(dir, 'root'), '--state', path.join(dir, 'state'), '--log-level', 'warn'], { stdio: ['ignore', log, log] });
  } else {
    fs.writeFileSync(path.join(dir, 'config.toml'), `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${socket}"\n[ttrpc]\n  address = "${socket}.ttrpc"\n[debug]\n  address = "${socket}.debug"\n[metrics]\n  address = ""\n`);
    child = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  }
  fs.closeSync(log);
  return { child, socket, logFile };
}

async function startEngine(name, dir) {
  const { child, socket, logFile } = launchEngine(name, dir);
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    unmountUnder(dir);
  };
  try {
    await waitForCtr(socket, child, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  const ctr = (namespace, args) => {
    const r = spawnSync('ctr', ['-a', socket, '-n', namespace, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${name}: ctr ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  return { name, dir, socket, pid: child.pid, ctr, stop };
}

const accepts = (socket) => new Promise((resolve) => {
  const c = net.connect(socket);
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

/** ns of CPU used by every live thread of pid (schedstat's first field). */
const cpuNs = (pid) => fs.readdirSync(`/proc/${pid}/task`)
  .reduce((sum, tid) => sum + Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]), 0);
const rollupKb = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);

/** One start of a daemon (launch(name, dir) as launchEngine): ms from spawn until its gRPC socket
 *  accepts, the CPU time (all threads, user + sys) spent by then, and 3 s after ready its private
 *  dirty memory, PSS and RSS (kB). The daemon is ended and its dir removed. */
async function measureStart(name, launch = launchEngine) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-start-'));
  const t0 = process.hrtime.bigint();
  const { child, socket } = launch(name, dir);
  const exited = new Promise((r) => child.once('exit', r));
  try {
    while (!(await accepts(socket))) {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const ready = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = cpuNs(child.pid) / 1e6;
    await new Promise((r) => setTimeout(r, 3000));
    return { ready, cpu, dirty: rollupKb(child.pid, 'Private_Dirty'), pss: rollupKb(child.pid, 'Pss'), rss: rollupKb(child.pid, 'Rss') };
  } finally {
    child.kill('SIGTERM');
    await exited;
    unmountUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds taken by fn. */
function seconds(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

module.exports = { launchEngine, measureStart, startEngine, unmountUnder, seconds, median, repo };
