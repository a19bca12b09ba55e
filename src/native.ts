// The ONLY importer of the addon: a typed facade over every native call, and the place that
// knows where the build put runts_native.node and runts-init.
import * as fs from 'fs';
import * as path from 'path';

export interface ExitStatus {
  /** exit code, or null when killed by a signal or not our child */
  code: number | null;
  signal: number | null;
}

/** A program started by spawnProgram: its pid and the daemon's ends of its stdio pipes. */
export interface SpawnedProgram {
  pid: number;
  stdin: number;
  stdout: number;
  stderr: number;
}

interface NativeModule {
  spawnInit(initPath: string, fds: number[]): { pid: number; sock: number };
  spawnInitsThrough(conn: number): void;
  spawnProgram(file: string, argv: string[], env: string[], cwd: string | null): SpawnedProgram;
  sendMessage(fd: number, message: Buffer): void;
  encodeRecords(records: { op: number; args: unknown[] }[]): Buffer;
  sha256Hex(text: string): string;
  receiveMessage(fd: number): { data: Buffer; fd: number } | null | undefined;
  sendWithFd(sock: number, data: Buffer, fd: number): void;
  receiveFd(fd: number): { fd: number; data: string } | null | undefined;
  waitReadable(fd: number, cb: (err: string | null) => void): number;
  waitExit(pid: number, cb: (status: ExitStatus) => void): number;
  cancelWait(id: number): void;
  connectUnix(path: string): number;
  streamSocketPair(): [number, number];
  setChildSubreaper(): void;
  lockFile(fd: number, exclusive: boolean, wait?: boolean): boolean;
  mkfifo(path: string, mode: number): void;
  compileSeccomp(profile: object): Buffer;
  seccompCompilerId(): string;
  attachDeviceProgram(dir: string, defaultAllow: boolean, rules: object[]): number;
  setWindowSize(fd: number, rows: number, cols: number): void;
  dup2(from: number, to: number): void;
  releaseIdleMemory(): void;
  mapSnapshotCopy(blobPath: string, copyPath: string): number;
  oomNotifier(cgroupDir: string, v1: boolean): number;
  drainFd(fd: number): void;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  unmount(path: string, detach: boolean): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  lgetxattrs(path: string): Array<[string, Buffer]>;
  createNetns(pin: string): void;
  removeNetns(pin: string): void;
  connectInNetns(nsPath: string, port: number): number;
  standbyTakeCall(listenFd: number, lifetimeMs: number, room?: number): StandbyCall | undefined;
  standbyEndWithCaller(conn: number): void;
  showCommandLine(argv: string[]): void;
}

/** A call a standby took (addon/standby/handoff.h): its fds are already this process's 0-2; conn is
 *  the connection to its client, open while the call runs. */
export interface StandbyCall {
  conn: number;
  cwd: string;
  args: string[];
}

const buildDir = path.join(__dirname, '..', 'build', 'Release');

let loaded: NativeModule | undefined;
function native(): NativeModule {
  if (!loaded) {
    // dlopen'ed directly: require() would first resolve the path through the module loader
    // (~1.5 ms of every command that takes a lock), and a startup snapshot's require cannot.
    const module = { exports: {} as NativeModule };
    process.dlopen(module, path.join(buildDir, 'runts_native.node'));
    loaded = module.exports;
  }
  return loaded;
}

const initBinary = path.join(buildDir, 'runts-init');

/** Starts runts-init with fds[i] as its fd i; its sync socket end follows as fd fds.length. */
export const spawnInit = (fds: number[]) => native().spawnInit(initBinary, fds);
/** Starts a program without forking Node (posix_spawn) on three new pipes, no other fd inherited. */
export const spawnProgram = (file: string, argv: string[], env: string[], cwd: string | null) => native().spawnProgram(file, argv, env, cwd);
export const sendMessage = (fd: number, message: Buffer) => native().sendMessage(fd, message);
/** Records in the sync protocol's format (addon/common/wire.h): [u32 op][u32 argc] then argc x [u32 len][bytes]. */
export const encodeRecords = (records: { op: number; args: unknown[] }[]) => native().encodeRecords(records);
/** The hex SHA-256 of text's UTF-8 bytes (the launcher's own, addon/common/sha256.cc): a shim's socket address. */
export const sha256Hex = (text: string) => native().sha256Hex(text);
/** One sync message from runts-init; fd is -1 unless one came attached (SCM_RIGHTS). */
export const receiveMessage = (fd: number) => native().receiveMessage(fd);
/** Sends data with fd attached (SCM_RIGHTS) on a connected blocking socket. */
export const sendWithFd = (sock: number, data: Buffer, fd: number) => native().sendWithFd(sock, data, fd);
export const receiveFd = (fd: number) => native().receiveFd(fd);
export const connectUnix = (p: string) => native().connectUnix(p);
export const streamSocketPair = () => native().streamSocketPair();
export const setChildSubreaper = () => native().setChildSubreaper();
export const mkfifo = (p: string, mode: number) => native().mkfifo(p, mode);
export const compileSeccomp = (profile: object) => native().compileSeccomp(profile);
/** What besides a profile decides its compiled filter: libseccomp (version, API level, arch) and
 *  this build of the addon, whose code turns the profile into libseccomp's rules. */
export function seccompCompilerId(): string {
  const addon = fs.statSync(path.join(buildDir, 'runts_native.node'));
  return `${native().seccompCompilerId()} addon ${addon.dev}:${addon.ino}:${addon.size}:${addon.mtimeMs}`;
}
/** Loads the v2 device filter for a cgroup (replacing any previous one); returns its length. */
export const attachDeviceProgram = (dir: string, defaultAllow: boolean, rules: object[]) => native().attachDeviceProgram(dir, defaultAllow, rules);
/** TIOCSWINSZ on a pty master: the container's foreground process gets SIGWINCH. */
export const setWindowSize = (fd: number, rows: number, cols: number) => native().setWindowSize(fd, rows, cols);
export const dup2 = (from: number, to: number) => native().dup2(from, to);
/** malloc_trim, and unmaps the executable's clean read-only pages (they stay cached), when the
 *  event loop next goes to sleep: no JavaScript left in this turn maps that code back. */
export const releaseIdleMemory = () => native().releaseIdleMemory();
/** Backs Node's private copy of the startup snapshot blobPath by copyPath (same bytes); kB moved. */
export const mapSnapshotCopy = (blobPath: string, copyPath: string) => native().mapSnapshotCopy(blobPath, copyPath);
/** A non-blocking fd readable after a possible OOM kill in a memory cgroup (v1: an eventfd
 *  registered for memory.oom_control; v2: inotify on memory.events); for onEachReadable. */
export const oomNotifier = (cgroupDir: string, v1: boolean) => native().oomNotifier(cgroupDir, v1);
/** mount(2) with flags (MS_*) and data as given; '' for a NULL source, type or data. */
export const mount = (source: string, target: string, fstype: string, flags: number, data: string) => native().mount(source, target, fstype, flags, data);
/** umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) */
export const unmount = (p: string) => native().unmount(p, true);
/** umount2(path, UMOUNT_NOFOLLOW): fails with EBUSY while the mount is in use */
export const unmountNow = (p: string) => native().unmount(p, false);
/** mknod(2) with the type bits in mode; the permission bits are set exactly, not masked by the umask. */
export const mknod = (p: string, mode: number, major: number, minor: number) => native().mknod(p, mode, major, minor);
/** Extended attributes of a path itself (a final symlink is not followed). */
export const lsetxattr = (p: string, name: string, value: Buffer) => native().lsetxattr(p, name, value);
export const lgetxattrs = (p: string) => native().lgetxattrs(p);
/** A new network namespace bind-mounted on `pin` (a file created here; it must not exist). */
export const createNetns = (pin: string) => native().createNetns(pin);
/** Unmounts and removes a namespace pin; one already gone is fine. */
export const removeNetns = (pin: string) => native().removeNetns(pin);
/** A non-blocking TCP fd connected (or connecting) to localhost:port inside the network
 *  namespace at nsPath (127.0.0.1, else ::1); the namespace is entered by a short-lived thread. */
export const connectInNetns = (nsPath: string, port: number) => native().connectInNetns(nsPath, port);
/** Waits (blocking) on a standby's listening socket for one call, at most lifetimeMs, refusing
 *  one whose args take more than `room` bytes of command line (when given); the socket is closed
 *  and its name removed either way. */
export const standbyTakeCall = (listenFd: number, lifetimeMs: number, room?: number) => native().standbyTakeCall(listenFd, lifetimeMs, room);
/** This process is killed when the client's end of conn closes (the client died). */
export const standbyEndWithCaller = (conn: number) => native().standbyEndWithCaller(conn);
/** spawnInit asks the client of this standby's call (conn) to start runts-init from now on, so the
 *  container's init is the child of the process the engine ran (addon/init_spawn/remote.h). */
export const spawnInitsThrough = (conn: number) => native().spawnInitsThrough(conn);
/** What /proc/self/cmdline shows from now on (written over the one this process started with). */
export const showCommandLine = (argv: string[]) => native().showCommandLine(argv);
/** flock without waiting: false when another holder has the lock. */
export const tryLockFile = (fd: number, exclusive = true) => native().lockFile(fd, exclusive, false);

/** Resolves once fd is readable (or hung up); rejects after timeoutMs when given. */
export function readable(fd: number, timeoutMs?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const id = native().waitReadable(fd, (err) => {
      if (timer) clearTimeout(timer);
      if (err) reject(new Error(err));
      else resolve();
    });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        native().cancelWait(id);
        reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
    }
  });
}

/** Calls onReadable each time fd becomes readable, once its content is drained, until the
 *  returned function is called, which stops the watch and closes fd. */
export function onEachReadable(fd: number, onReadable: () => void): () => void {
  let id: number | undefined;
  let stopped = false;
  const arm = () => {
    id = native().waitReadable(fd, (err) => {
      id = undefined;
      if (err || stopped) return;
      native().drainFd(fd);
      onReadable();
      if (!stopped) arm();
    });
  };
  arm();
  return () => {
    if (stopped) return;
    stopped = true;
    if (id !== undefined) native().cancelWait(id);
    fs.closeSync(fd);
  };
}

/**
 * Resolves with the exit status of a process, observed through a pidfd (code and signal are
 * null when it is not our child), or null if it is still alive after timeoutMs.
 */
export function exited(pid: number, timeoutMs?: number): Promise<ExitStatus | null> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const id = native().waitExit(pid, (status) => {
      if (timer) clearTimeout(timer);
      resolve(status);
    });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        native().cancelWait(id);
        resolve(null);
      }, timeoutMs);
    }
  });
}
