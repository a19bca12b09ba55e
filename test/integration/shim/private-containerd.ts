// A private containerd for tests: own root/state/sockets under a temp dir, CRI disabled, the
// runts shim on its PATH, a busybox image built here as an OCI layout and imported with ctr.
// stop() undoes everything it made: containerd, shims and standby shims, the light-command
// standbys of bin/runts as its shims' runtime binary, mounts, shim sockets, the temp dir.
import { ChildProcess, execFileSync, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { removeCgroupTree } from '../../helpers/cgroup-cleanup';
import { unmountUnder } from '../../helpers/mounts';
import { TASK_SERVICE, taskType } from '../../../src/foundation/protos/shim';
import { TtrpcClient } from '../../../src/foundation/ttrpc/client';

const REPO = path.resolve(__dirname, '..', '..', '..');
export const SHIM_BIN = path.join(REPO, 'bin', 'containerd-shim-runts-v2');
export const RUNTS_BIN = path.join(REPO, 'bin', 'runts');
export const IMAGE = 'docker.io/library/runts-busybox:test';
const SOCKET_DIR = '/run/containerd/s';

/** Why the real engines cannot run here, or undefined when they can. */
export function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['containerd', 'ctr', 'runc', 'tar', 'busybox']) {
    if (spawnSync('which', [tool]).status !== 0) return `needs ${tool} on PATH`;
  }
  if (!fs.existsSync(path.join(REPO, 'dist', 'shim', 'main.js'))) return 'needs `npm run build` (dist/shim/main.js)';
  return undefined;
}

export class PrivateContainerd {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-ctrd-'));
  readonly socket = path.join(this.dir, 'c.sock');
  readonly namespace = `runts-test-${process.pid}`;
  private daemon: ChildProcess | undefined;

  /** runtimeBinary: the OCI runtime the runts shim drives (RUNTS_SHIM_BINARY); '' for in-process. */
  constructor(private readonly runtimeBinary: string) {}

  async start(): Promise<void> {
    const binDir = path.join(this.dir, 'bin');
    fs.mkdirSync(binDir);
    fs.symlinkSync(SHIM_BIN, path.join(binDir, 'containerd-shim-runts-v2'));
    fs.writeFileSync(
      path.join(this.dir, 'config.toml'),
      [
        'version = 2',
        `root = "${this.dir}/root"`,
        `state = "${this.dir}/state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${this.socket}"`,
        '[ttrpc]',
        `  address = "${this.socket}.ttrpc"`,
        '',
      ].join('\n'),
    );
    await this.launchDaemon();
  }

  /** Stops containerd alone (its shims keep running) and starts it again on the same state. */
  async restart(): Promise<void> {
    await this.stopDaemon();
    await this.launchDaemon();
  }

  private async launchDaemon(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'containerd.log'), 'a');
    this.daemon = spawn('containerd', ['--config', path.join(this.dir, 'config.toml')], {
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        PATH: `${path.join(this.dir, 'bin')}:${process.env.PATH}`,
        RUNTS_SHIM_ROOT: path.join(this.dir, 'runtime-root'),
        RUNTS_SHIM_BINARY: this.runtimeBinary,
      },
    });
    fs.closeSync(log);
    for (let i = 0; i < 100; i++) {
      if (this.ctr(['version']).status === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`private containerd did not come up:\n${this.log()}`);
  }

  private async stopDaemon(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = undefined;
    if (!daemon?.pid || daemon.exitCode !== null || daemon.signalCode !== null) return;
    const exited = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGKILL');
      await exited;
    }
  }

  /** containerd's pid (undefined while it is not running). */
  get pid(): number | undefined {
    return this.daemon?.pid;
  }

  /** Runs ctr against this containerd in the test namespace. */
  ctr(args: string[], input?: string): SpawnSyncReturns<string> {
    return spawnSync('ctr', ['-a', this.socket, '-n', this.namespace, ...args], { encoding: 'utf8', input: input ?? '', timeout: 30000, killSignal: 'SIGKILL' });
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'containerd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  importBusybox(): void {
    const tar = buildBusyboxLayout(path.join(this.dir, 'image'));
    const result = this.ctr(['images', 'import', tar]);
    if (result.status !== 0) throw new Error(`ctr images import: ${result.stderr}`);
  }

  /** Shim processes serving this containerd (found by their -address argument). */
  shimPids(): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (argv.some((a) => a.endsWith('containerd-shim-runts-v2')) && argv.includes(this.socket)) pids.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return pids;
  }

  /** The standby shims waiting for this containerd's next start (src/shim/standby.ts). */
  standbyPids(): number[] {
    return standbyPidsFor(this.socket);
  }

  /** The standbys (README "Start-up": for light commands, or for create) bin/runts started as this
   *  containerd's shims' runtime binary: their environment is the shims', which names this runtime root. */
  standbys(): { pid: number; socket: string; light: boolean }[] {
    const context = `RUNTS_SHIM_ROOT=${path.join(this.dir, 'runtime-root')}`;
    return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
      try {
        const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const at = argv.indexOf('--runts-standby');
        if (at < 0 || !fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(context)) return [];
        return [{ pid: Number(p), socket: argv[at + 1], light: argv.some((a) => a.endsWith('/runts-light.blob')) }];
      } catch {
        return []; // exited meanwhile
      }
    });
  }

  /** The shim sockets this containerd's shims listen on (from the bundles' address files). */
  shimSockets(): string[] {
    const tasks = path.join(this.dir, 'state', 'io.containerd.runtime.v2.task', this.namespace);
    if (!fs.existsSync(tasks)) return [];
    return fs
      .readdirSync(tasks)
      .map((id) => path.join(tasks, id, 'address'))
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f, 'utf8').replace('unix://', ''));
  }

  socketFor(id: string): string {
    return path.join(SOCKET_DIR, createHash('sha256').update(`${this.socket}/${this.namespace}/${id}`).digest('hex'));
  }

  async stop(): Promise<void> {
    const sockets = new Set(this.shimSockets());
    await this.stopDaemon();
    for (const pid of this.shimPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const runtimeRoot = path.join(this.dir, 'runtime-root', this.namespace);
    if (fs.existsSync(runtimeRoot)) {
      for (const id of fs.readdirSync(runtimeRoot)) {
        spawnSync(this.runtimeBinary || RUNTS_BIN, ['--root', runtimeRoot, 'delete', '--force', id], { env: { ...process.env, RUNTS_STANDBY: '0' } });
      }
    }
    // containerd's runc shim keeps its containers' state under /run/containerd/runc/<namespace>
    const runcRoot = path.join('/run/containerd/runc', this.namespace);
    if (fs.existsSync(runcRoot)) {
      for (const id of fs.readdirSync(runcRoot)) spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
      fs.rmSync(runcRoot, { recursive: true, force: true });
    }
    await endStandbys(this.socket);
    for (const standby of this.standbys()) {
      process.kill(standby.pid, 'SIGKILL');
      fs.rmSync(standby.socket, { force: true });
      fs.rmSync(standby.socket.replace(/\.sock$/, '.seen'), { force: true });
    }
    unmountUnder(this.dir);
    for (const socket of sockets) fs.rmSync(socket, { force: true });
    // containerd's default cgroup parent for tasks is /<namespace>.
    removeCgroupTree(`/${this.namespace}`);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const MARKER_SUFFIX = '.called';

/** The standby markers of starts from a containerd: their content is its address. */
export function standbyMarkers(containerdSocket: string): string[] {
  if (!fs.existsSync(SOCKET_DIR)) return [];
  return fs
    .readdirSync(SOCKET_DIR)
    .filter((name) => name.startsWith('runts-standby-') && name.endsWith(MARKER_SUFFIX))
    .map((name) => path.join(SOCKET_DIR, name))
    .filter((marker) => fs.readFileSync(marker, 'utf8') === containerdSocket);
}

/** The standby shims waiting for starts from a containerd: holders of the sockets whose markers
 *  name its address. */
export function standbyPidsFor(containerdSocket: string): number[] {
  const sockets = standbyMarkers(containerdSocket).map((marker) => marker.slice(0, -MARKER_SUFFIX.length));
  const inodes = fs
    .readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => sockets.includes(c[7]))
    .map((c) => `socket:[${c[6]}]`);
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readdirSync(`/proc/${entry}/fd`).some((fd) => inodes.includes(fs.readlinkSync(`/proc/${entry}/fd/${fd}`)))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The standby shims the launcher started for starts from this containerd (addon/launcher/standby.cc):
 *  their markers name its address; a malformed call (an empty message) makes a standby exit and
 *  remove its socket. */
export async function endStandbys(containerdSocket: string): Promise<void> {
  for (const marker of standbyMarkers(containerdSocket)) {
    const socket = marker.slice(0, -MARKER_SUFFIX.length);
    await new Promise<void>((resolve) => {
      const conn = net.createConnection(socket, () => conn.end(Buffer.alloc(4)));
      conn.on('error', () => resolve());
      conn.on('close', () => resolve());
    });
    for (let i = 0; i < 60 && fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    fs.rmSync(socket, { force: true });
    fs.rmSync(marker, { force: true });
  }
}

/** Shuts down the shims at these ttrpc addresses (unix://...) that started by hand, and removes their sockets. */
export async function shutDownShims(addresses: Iterable<string>): Promise<void> {
  for (const address of addresses) {
    try {
      const client = await TtrpcClient.connect(address);
      await client.call(TASK_SERVICE, 'Shutdown', taskType('ShutdownRequest').encode({ now: true }), { timeoutMs: 2000 }).catch(() => {});
      client.close();
    } catch {
      // not listening any more
    }
    fs.rmSync(address.replace('unix://', ''), { force: true });
  }
}

/** An OCI image layout tar: one layer holding /bin/busybox and a few applet links. */
export function buildBusyboxLayout(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  const blobs = path.join(dir, 'layout', 'blobs', 'sha256');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.mkdirSync(blobs, { recursive: true });
  const busybox = execFileSync('which', ['busybox'], { encoding: 'utf8' }).trim();
  fs.copyFileSync(fs.realpathSync(busybox), path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'echo', 'true', 'sleep', 'cat', 'ls']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  const layerTar = path.join(dir, 'layer.tar');
  execFileSync('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', layerTar, '.']);
  const layer = storeBlob(blobs, fs.readFileSync(layerTar));
  const config = storeBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = storeBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  const layout = path.join(dir, 'layout');
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': IMAGE } }],
    }),
  );
  const tar = path.join(dir, 'image.tar');
  execFileSync('tar', ['-C', layout, '-cf', tar, '.']);
  return tar;
}

function storeBlob(blobs: string, content: Buffer): { digest: string; size: number } {
  const hex = createHash('sha256').update(content).digest('hex');
  fs.writeFileSync(path.join(blobs, hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}
