// Shared by the image benches: a runtsd and a private containerd on sockets under a work dir,
// driven by the stock ctr; stop() ends the daemon it started (by pid) and unmounts what is left.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
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

async function startEngine(name, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'grpc.sock');
  const logFile = path.join(dir, 'daemon.log');
  const log = fs.openSync(logFile, 'a');
  let child;
  if (name === 'runtsd') {
    child = spawn(process.execPath, [path.join(repo, 'bin', 'runtsd'), '--address', socket, '--root', path.join(dir, 'root'), '--state', path.join(dir, 'state'), '--log-level', 'warn'], { stdio: ['ignore', log, log] });
  } else {
    fs.writeFileSync(path.join(dir, 'config.toml'), `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${socket}"\n[ttrpc]\n  address = "${socket}.ttrpc"\n[debug]\n  address = "${socket}.debug"\n[metrics]\n  address = ""\n`);
    child = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  }
  fs.closeSync(log);
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

/** Seconds taken by fn. */
function seconds(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

module.exports = { startEngine, unmountUnder, seconds, median, repo };
