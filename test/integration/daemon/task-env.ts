// A runtsd (from the harness) with a busybox image, for tests that run real tasks through real
// shims with the real ctr, in a namespace of their own. cleanup() removes everything a task can
// leave, also after a failed test: tasks, containers, shim processes, runtime state, mounts,
// shim sockets, the /<namespace> cgroups containerd-style shims create, the daemon's dirs.
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CtrResult, Daemon, startDaemon } from './harness';
import { buildBusyboxLayout, RUNTS_BIN } from '../shim/private-containerd';
import { removeCgroupTree } from '../../helpers/cgroup-cleanup';
import { mountsUnder, unmountUnder } from '../../helpers/mounts';
import { shimPids as shimPidsOf } from '../../helpers/shim-pids';

export { IMAGE, missingPrerequisite } from '../shim/private-containerd';

const SHIM_SOCKET_DIR = '/run/containerd/s';
/** Where ctr makes each task's stdio fifos; a task that dies without `ctr tasks delete` leaves them. */
const CTR_FIFO_DIR = '/run/containerd/fifo';
const RUNC_ROOT = '/run/containerd/runc';

export interface TaskEnv {
  daemon: Daemon;
  namespace: string;
  /** ctr -a <runtsd> -n <namespace> ARGS, with optional stdin. */
  ctr(args: string[], input?: string): CtrResult;
  /** Shim processes serving this runtsd (their -address is its socket), or one task's. */
  shimPids(id?: string): number[];
  /** What a task left behind: shim, mounts, bundle, cgroups, shim socket (empty when clean). */
  leftovers(id: string): string[];
  cleanup(): Promise<void>;
}

export async function startTaskEnv(prefix: string, daemonArgs: string[] = []): Promise<TaskEnv> {
  const namespace = `runtsd-${prefix}-${process.pid}`;
  const fifoDirsBefore = new Set(listDir(CTR_FIFO_DIR));
  const shimRoot = fs.mkdtempSync(path.join(os.tmpdir(), `runtsd-${prefix}-shimroot-`));
  // the runts shim keeps its containers' runtime state here instead of /run/containerd/runts
  process.env.RUNTS_SHIM_ROOT = shimRoot;
  const daemon = await startDaemon(prefix, {}, daemonArgs);
  const ctr = (args: string[], input = ''): CtrResult => {
    const r = spawnSync('ctr', ['-a', daemon.socket, '-n', namespace, ...args], { encoding: 'utf8', input, timeout: 30000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const stateDir = path.join(daemon.dir, 'state', 'io.containerd.runtime.v2.task', namespace);
  const socketOf = (id: string) =>
    path.join(SHIM_SOCKET_DIR, createHash('sha256').update(`${daemon.socket}/${namespace}/${id}`).digest('hex'));
  const cgroupDirs = (id: string) => fs.readdirSync('/sys/fs/cgroup')
    .filter((h) => h !== 'process_api')
    .map((h) => path.join('/sys/fs/cgroup', h, namespace, id))
    .filter((d) => fs.existsSync(d));

  /** Shim processes serving this runtsd, all or those of one task (by their -id). */
  const shimPids = (id?: string) => shimPidsOf(daemon.socket, id);

  const env: TaskEnv = {
    daemon,
    namespace,
    ctr,
    shimPids,
    leftovers: (id) => [
      ...shimPids(id).map((pid) => `shim process ${pid}`),
      ...mountsUnder(path.join(stateDir, id)).map((m) => `mount ${m}`),
      ...(fs.existsSync(path.join(stateDir, id)) ? [`bundle ${path.join(stateDir, id)}`] : []),
      ...cgroupDirs(id).map((d) => `cgroup ${d}`),
      ...(fs.existsSync(socketOf(id)) ? [`shim socket ${socketOf(id)}`] : []),
    ],
    cleanup: async () => {
      const ids = new Set<string>();
      try {
        for (const id of ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
          ids.add(id);
          ctr(['tasks', 'kill', '-s', 'KILL', id]);
          ctr(['tasks', 'delete', '-f', id]);
        }
        for (const id of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
          ids.add(id);
          ctr(['containers', 'delete', id]);
        }
        if (fs.existsSync(stateDir)) for (const id of fs.readdirSync(stateDir)) ids.add(id);
        await daemon.kill('SIGKILL');
        for (const pid of shimPids()) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
        }
        for (const [binary, root] of [['runc', path.join(RUNC_ROOT, namespace)], [RUNTS_BIN, path.join(shimRoot, namespace)]]) {
          if (!fs.existsSync(root)) continue;
          for (const id of fs.readdirSync(root)) spawnSync(binary, ['--root', root, 'delete', '--force', id]);
        }
        fs.rmSync(path.join(RUNC_ROOT, namespace), { recursive: true, force: true });
        unmountUnder(daemon.dir);
        for (const id of ids) fs.rmSync(socketOf(id), { force: true });
        // fifo dirs that appeared meanwhile and that no process holds: this env's ctr's (another
        // ctr client running meanwhile holds its own fifos open)
        const held = openFifos();
        for (const dir of listDir(CTR_FIFO_DIR).filter((d) => !fifoDirsBefore.has(d))) removeIfOnlyFifos(path.join(CTR_FIFO_DIR, dir), held);
        removeCgroupTree(`/${namespace}`);
      } finally {
        delete process.env.RUNTS_SHIM_ROOT;
        fs.rmSync(shimRoot, { recursive: true, force: true });
        await daemon.stop();
      }
    },
  };

  try {
    const tar = buildBusyboxLayout(path.join(daemon.dir, 'image'));
    const imported = ctr(['images', 'import', tar]);
    if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
  } catch (err) {
    await env.cleanup();
    throw err;
  }
  return env;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The ctr fifos some process has open. */
function openFifos(): Set<string> {
  const held = new Set<string>();
  for (const pid of listDir('/proc').filter((p) => /^\d+$/.test(p))) {
    for (const fd of listDir(`/proc/${pid}/fd`)) {
      try {
        const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith(`${CTR_FIFO_DIR}/`)) held.add(target);
      } catch {
        // closed meanwhile
      }
    }
  }
  return held;
}

function removeIfOnlyFifos(dir: string, held: Set<string>): void {
  try {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.every((e) => e.isFIFO() && !held.has(path.join(dir, e.name)))) fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // gone already, or not a directory
  }
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
