// create: validate the bundle, claim the id, place the init in its cgroup and namespaces,
// and leave it waiting on the exec fifo. On any failure nothing is left behind.
import * as fs from 'fs';
import * as path from 'path';
import * as native from '../native';
import { CgroupManager, defaultCgroupsPath } from '../cgroups';
import { containerCgroup, NO_CGROUP } from './cgroup';
import { isRootless } from './rootless';
import { Bundle, loadBundle } from './bundle';
import { cgroupView } from './cgroup-view';
import { withDefaultDeviceRules } from './device-rules';
import { RuntsError, systemError } from '../foundation/errors';
import { readProcCgroup } from '../foundation/proc-cgroup';
import { runHooks } from './hooks';
import { launch } from './launch';
import { checkLsm } from './lsm';
import { buildLaunchPlan, hasMountNamespace } from './plan/build';
import { mountsUnder, releaseHostMounts } from './host-mounts';
import { compileSeccomp, SeccompProfile } from './seccomp';
import { sendToSeccompAgent } from './seccomp-agent';
import { IDMapping, LinuxResources, Spec } from './spec';
import { checkId, ContainerRecord, StateStore } from './state-store';
import { processStartTime } from './status';
import { writeFileAtomic } from '../foundation/atomic-file';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** an already connected console socket fd (run allocating its own pty) */
  consoleFd?: number;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: number;
  /** systemd socket activation: fds 3..3+listenFds-1 come first, LISTEN_FDS/LISTEN_PID are set */
  listenFds?: number;
  /** the init's stdin, stdout, stderr (default: ours) */
  stdio?: [number, number, number];
  /** the bundle, when the caller already loaded it */
  loaded?: Bundle;
  /** non-fatal notes for the user (unknown capabilities, ...) */
  warn?: (message: string) => void;
  /** progress lines for --debug */
  debug?: (message: string) => void;
}

export function lastCap(): number {
  return Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
}

function writeIdMap(pid: number, file: 'uid_map' | 'gid_map', maps: IDMapping[] | undefined): void {
  if (!maps || maps.length === 0) return;
  const text = maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n') + '\n';
  try {
    fs.writeFileSync(`/proc/${pid}/${file}`, text);
  } catch (err) {
    throw systemError(`write ${file} of the container init`, err);
  }
}

/**
 * Creates the cgroup and applies the resources. A rootless caller without delegated cgroups
 * runs without one (as runc does); limits it asked for are then reported as not applied.
 */
function placeCgroup(cgroup: CgroupManager, resources: LinuxResources | undefined, warn?: (m: string) => void): CgroupManager {
  try {
    cgroup.create();
  } catch (err) {
    const code = (err as { errno?: string }).errno ?? (err as NodeJS.ErrnoException).code;
    if (!isRootless() || !['EACCES', 'EPERM', 'EROFS'].includes(code ?? '')) throw err;
    const asked = Object.keys(resources ?? {}).filter((k) => k !== 'devices');
    if (asked.length) warn?.(`rootless container without cgroup delegation: ${asked.join(', ')} limits are not applied`);
    return NO_CGROUP;
  }
  cgroup.applyResources(resources);
  return cgroup;
}

/**
 * runc's checks of a cgroup that exists already: processes in it are a warning (the container
 * joins them), a frozen one is refused (the init would freeze as it joins). Returns how many
 * processes were there.
 */
function checkExistingCgroup(cgroup: CgroupManager, warn?: (m: string) => void): number {
  let found = 0;
  try {
    found = cgroup.pids().length;
  } catch { /* no such cgroup yet */ }
  if (found > 0) warn?.(`container's cgroup is not empty: ${found} process(es) found`);
  let frozen = false;
  try {
    frozen = cgroup.state() === 'frozen';
  } catch { /* no such cgroup yet */ }
  if (frozen) throw new RuntsError("container's cgroup unexpectedly frozen", 'state');
  return found;
}

/** Writes a pid file atomically, as engines read it as soon as create returns. */
export function writePidFile(file: string, pid: number): void {
  writeFileAtomic(file, String(pid));
}

/** The container sees socket-activated fds as its own (as runc passes them on). */
function withListenFds(spec: Spec, n: number): Spec {
  const env = (spec.process?.env ?? []).filter((e) => !e.startsWith('LISTEN_FDS=') && !e.startsWith('LISTEN_PID='));
  return { ...spec, process: { ...spec.process!, env: [...env, `LISTEN_FDS=${n}`, 'LISTEN_PID=1'] } };
}

export async function createContainer(store: StateStore, opts: CreateOptions): Promise<ContainerRecord> {
  return (await createPlaced(store, opts)).record;
}

/** createContainer, also handing out the cgroup the init was placed in (run deletes with it). */
export async function createPlaced(store: StateStore, opts: CreateOptions): Promise<{ record: ContainerRecord; cgroup: CgroupManager }> {
  checkId(opts.id);
  const bundle = opts.loaded ?? loadBundle(opts.bundle);
  const { spec } = bundle;
  checkLsm(spec.process, spec);
  let cgroupsPath = spec.linux?.cgroupsPath ?? defaultCgroupsPath(opts.id);
  const resources = withDefaultDeviceRules(spec.linux?.resources);
  // A relative path lives under this runtime's own cgroups (runc's rule), remembered for later commands.
  const cgroupParent = cgroupsPath.startsWith('/') ? undefined : Object.fromEntries(readProcCgroup('self'));
  // Resource values are checked before anything exists on disk.
  const checked = containerCgroup(cgroupsPath, cgroupParent);
  checked.validateResources(resources);
  const outsiders = checkExistingCgroup(checked, opts.warn);
  // Sharing the host's mount namespace, the container's mounts are the ones that were not there.
  const hostMountsBefore = hasMountNamespace(spec) ? undefined : mountsUnder(bundle.rootfs);
  store.claim(opts.id);
  let cgroup: CgroupManager | undefined;
  let initPid = 0;
  const opened: number[] = [];
  try {
    cgroup = placeCgroup(checked, resources, opts.warn);
    if (cgroup === NO_CGROUP) cgroupsPath = '';
    opts.debug?.(`create ${opts.id}: cgroup ${cgroupsPath || '(none)'}, rootfs ${bundle.rootfs}`);
    const fifo = store.fifoPath(opts.id);
    native.mkfifo(fifo, 0o622);
    // Read-write: the init blocks reading it until `start` writes (see addon/init/child.cc).
    const fifoFd = fs.openSync(fifo, fs.constants.O_RDWR);
    opened.push(fifoFd);
    let consoleFd = opts.consoleFd;
    if (opts.consoleSocket) {
      consoleFd = native.connectUnix(opts.consoleSocket);
      opened.push(consoleFd);
    }
    const listenFds = opts.listenFds ?? 0;
    const preserveFds = listenFds + (opts.preserveFds ?? 0);
    const fds = [...(opts.stdio ?? [0, 1, 2])];
    for (let i = 0; i < preserveFds; i++) fds.push(3 + i);
    const consoleChildFd = consoleFd === undefined ? undefined : fds.push(consoleFd) - 1;
    const fifoChildFd = fds.push(fifoFd) - 1;

    const launchSpec = listenFds ? withListenFds(spec, listenFds) : spec;
    const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp as SeccompProfile) : undefined;
    const plan = buildLaunchPlan({
      spec: launchSpec, bundle: bundle.dir, rootfs: bundle.rootfs, id: opts.id,
      noPivot: !!opts.noPivot, noNewKeyring: !!opts.noNewKeyring, preserveFds,
      consoleFd: consoleChildFd, fifoFd: fifoChildFd, lastCap: lastCap(), cgroups: cgroupView(cgroup),
      seccomp,
    });
    plan.warnings.forEach((w) => opts.warn?.(w));
    const record: ContainerRecord = {
      ociVersion: spec.ociVersion, id: opts.id, pid: 0, initStartTime: '', bundle: bundle.dir,
      rootfs: bundle.rootfs, created: new Date().toISOString(), owner: '',
      annotations: spec.annotations ?? {}, cgroupsPath, cgroupParent, hostMountsBefore, config: spec,
    };
    const hookState = (pid: number, status: string) => ({
      ociVersion: spec.ociVersion, id: opts.id, status, pid, bundle: bundle.dir, annotations: record.annotations,
    });
    const cg = cgroup;
    const rootless = isRootless();
    const { pid } = await launch(plan.records, fds, {
      placed(pid) {
        writeIdMap(pid, 'uid_map', spec.linux?.uidMappings);
        // An unprivileged writer may map only its own gid, and only once setgroups is denied.
        if (rootless && spec.linux?.gidMappings?.length) fs.writeFileSync(`/proc/${pid}/setgroups`, 'deny');
        writeIdMap(pid, 'gid_map', spec.linux?.gidMappings);
        cg.addProcess(pid);
        if (spec.process?.oomScoreAdj !== undefined) fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(spec.process.oomScoreAdj));
        return [JSON.stringify(hookState(pid, 'created')), JSON.stringify(hookState(pid, 'creating'))];
      },
      async parentHooks(pid) {
        await runHooks('prestart', spec.hooks?.prestart, () => hookState(pid, 'creating'));
        await runHooks('createRuntime', spec.hooks?.createRuntime, () => hookState(pid, 'creating'));
      },
      seccompListener(fd, pid) {
        const notify = seccomp?.notify;
        if (notify) sendToSeccompAgent(notify.listenerPath, fd, pid, hookState(pid, 'creating'), notify.listenerMetadata);
      },
    });
    record.pid = initPid = pid;
    opts.debug?.(`create ${opts.id}: init ${pid} is ready and waits on the exec fifo`);
    record.initStartTime = processStartTime(pid) ?? '';
    store.write(record);
    if (opts.pidFile) writePidFile(path.resolve(opts.pidFile), pid);
    return { record, cgroup: cg };
  } catch (err) {
    try {
      // Processes that were in the cgroup before us are not ours to kill: only the init is.
      if (!outsiders) {
        cgroup?.killAll(9);
        cgroup?.destroy();
      } else if (initPid) {
        try { process.kill(initPid, 'SIGKILL'); } catch { /* gone */ }
      }
      if (hostMountsBefore) releaseHostMounts(bundle.rootfs, hostMountsBefore);
    } finally {
      store.remove(opts.id);
    }
    throw err;
  } finally {
    opened.forEach((fd) => fs.closeSync(fd));
  }
}
