// spec -> launch plan: every path resolved, every flag computed and every op in the order
// runts-init must carry it out. All validation that needs no kernel happens here.
import * as fs from 'fs';
import { RuntsError } from '../../foundation/errors';
import { Hook, Spec } from '../spec';
import { MS } from '../../mount/flags';
import { CgroupView, planMounts } from './mounts';
import { planNamespaces } from './namespaces';
import { Op, PlanRecord } from './ops';
import type { CompiledSeccomp } from '../seccomp';
import { planExec, planIdentity, planRlimits, planSchedulingOps } from './process';

export interface LaunchPlanInput {
  spec: Spec;
  bundle: string;
  /** absolute host path of the rootfs */
  rootfs: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  id: string;
  /** fds 3 .. 3+preserveFds-1 are passed to the container */
  preserveFds: number;
  /** the init's fd number of the --console-socket connection, when process.terminal */
  consoleFd?: number;
  /** the init's fd number of the exec fifo (O_PATH) */
  fifoFd: number;
  lastCap: number;
  cgroups: CgroupView;
  /** linux.seccomp, compiled */
  seccomp?: CompiledSeccomp;
}

export interface LaunchPlan {
  records: PlanRecord[];
  warnings: string[];
  /** prestart/createRuntime hooks run by the runtime while the init waits */
  parentHooks: boolean;
  userns: boolean;
}

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/**
 * linux.rootfsPropagation in three steps, as runc does: the mount namespace's "/" gets the mode
 * while the rootfs is prepared (rslave by default); the mount holding the rootfs is made
 * private (slave for the slave modes), because pivot_root refuses a shared parent and a bind
 * under a shared parent would show up on the host; once the rootfs is complete the container's
 * "/" gets a shared or unbindable mode. Unlike runc, unbindable modes wait for that last step: on "/"
 * from the start they make the rootfs itself impossible to bind (runc fails with EINVAL).
 */
function rootPropagation(mode: string | undefined): { setup: number; rootfsParent: number; final: number } {
  const DEFAULT = MS.SLAVE | MS.REC;
  if (mode === undefined) return { setup: DEFAULT, rootfsParent: MS.PRIVATE, final: 0 };
  const flags = PROPAGATION[mode];
  if (flags === undefined) throw new RuntsError(`config.json: /linux/rootfsPropagation: unknown value "${mode}"`, 'invalid');
  const unbindable = (flags & MS.UNBINDABLE) !== 0;
  return {
    setup: unbindable ? DEFAULT : flags,
    rootfsParent: flags & MS.SLAVE ? MS.SLAVE : MS.PRIVATE,
    final: flags & (MS.SHARED | MS.UNBINDABLE) ? flags : 0,
  };
}

/** A mount namespace created or joined: false means the container shares the runtime's. */
export function hasMountNamespace(spec: Spec): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === 'mount');
}

const PERSONALITY: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export function hookOps(kind: string, hooks: Hook[] | undefined): PlanRecord[] {
  return (hooks ?? []).map((h, i) => {
    const args = h.args && h.args.length ? h.args : [h.path];
    return { op: Op.HOOK, args: [kind, i, h.path, h.timeout ?? 0, args.length, ...args, ...(h.env ?? [])] };
  });
}

/**
 * Loading a filter needs no_new_privs or CAP_SYS_ADMIN: with no_new_privs it is the very last
 * step before exec, otherwise it comes while the init still has its privileges (as in runc).
 */
export function identityAndSeccomp(identity: ReturnType<typeof planIdentity>, chdir: PlanRecord, noNewPrivs: boolean, seccomp?: CompiledSeccomp): PlanRecord[] {
  const load = seccomp ? [{ op: Op.SECCOMP, args: [seccomp.flags, seccomp.bpf, seccomp.notify ? 1 : 0] }] : [];
  const ids = [identity.bounding, identity.user, chdir, identity.caps];
  return noNewPrivs ? [...ids, { op: Op.NO_NEW_PRIVS, args: [] }, ...load] : [...load, ...ids];
}

export function buildLaunchPlan(input: LaunchPlanInput): LaunchPlan {
  const { spec } = input;
  const process = spec.process;
  if (!process) throw new RuntsError('config.json: /process: must be present to create a container', 'invalid');
  const linux = spec.linux ?? {};
  const ns = planNamespaces(linux);
  // Without a mount namespace of its own the container shares the host's (the spec's rule):
  // its mounts then land on the host (delete removes them) and it is chrooted, not pivoted.
  const ownMountNs = hasMountNamespace(spec);
  const userns = ns.created.has('user') || (linux.namespaces ?? []).some((n) => n.type === 'user' && n.path);
  const records: PlanRecord[] = [...ns.stage1, { op: Op.SETSID, args: [] }];
  if (userns) records.push({ op: Op.BECOME_ROOT, args: [] });
  if (ns.unshareCgroup) records.push({ op: Op.UNSHARE, args: [0x02000000] });
  if (spec.hostname !== undefined && ns.created.has('uts')) records.push({ op: Op.HOSTNAME, args: [spec.hostname] });
  if (spec.domainname !== undefined && ns.created.has('uts')) records.push({ op: Op.DOMAINNAME, args: [spec.domainname] });
  if (!input.noNewKeyring) records.push({ op: Op.KEYRING, args: [`_ses.${input.id}`] });

  const propagation = rootPropagation(linux.rootfsPropagation);
  if (ownMountNs) records.push({ op: Op.ROOT_PROPAGATION, args: [propagation.setup] }, { op: Op.BIND_ROOTFS, args: [input.rootfs, propagation.rootfsParent, 1] });
  else records.push({ op: Op.BIND_ROOTFS, args: [input.rootfs, 0, 0] });
  records.push(...planMounts({
    mounts: spec.mounts ?? [], bundle: input.bundle, userns, cgroupns: ns.created.has('cgroup'),
    cgroups: input.cgroups, devices: linux.devices ?? [],
    userMappings: ns.created.has('user') ? { uid: linux.uidMappings, gid: linux.gidMappings } : undefined,
  }));

  const hooks = spec.hooks ?? {};
  const parentHooks = (hooks.prestart?.length ?? 0) + (hooks.createRuntime?.length ?? 0) > 0;
  if (parentHooks) records.push({ op: Op.PARENT_HOOKS, args: [] });
  records.push(...hookOps('createContainer', hooks.createContainer));
  if (!ownMountNs) records.push({ op: Op.CHROOT, args: [input.rootfs] });
  else records.push({ op: input.noPivot ? Op.CHROOT : Op.PIVOT_ROOT, args: [] });
  if (process.terminal) {
    if (input.consoleFd === undefined) throw new RuntsError('process.terminal is true but no console socket was given (use --console-socket)', 'invalid');
    const size = process.consoleSize ?? { height: 0, width: 0 };
    records.push({ op: Op.CONSOLE, args: [input.consoleFd, size.height, size.width] });
  }
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) records.push({ op: Op.SYSCTL, args: [key, value] });
  for (const p of linux.maskedPaths ?? []) records.push({ op: Op.MASK, args: [p] });
  for (const p of linux.readonlyPaths ?? []) records.push({ op: Op.READONLY, args: [p] });
  if (spec.root?.readonly) records.push({ op: Op.ROOT_READONLY, args: [] });
  // Last of the rootfs steps: masks bind /dev/null, which an unbindable "/" would refuse.
  if (ownMountNs && propagation.final) records.push({ op: Op.ROOT_PROPAGATION, args: [propagation.final] });
  if (linux.intelRdt && !fs.existsSync('/sys/fs/resctrl/schemata')) {
    throw new RuntsError('config.json: /linux/intelRdt: Intel RDT is not available on this host (no resctrl filesystem at /sys/fs/resctrl)', 'unsupported');
  }
  if (linux.intelRdt) throw new RuntsError('config.json: /linux/intelRdt: Intel RDT is not implemented by runts yet', 'unsupported');
  if (linux.personality) {
    const domain = PERSONALITY[linux.personality.domain];
    if (domain === undefined) throw new RuntsError(`config.json: /linux/personality/domain: unknown domain "${linux.personality.domain}"`, 'invalid');
    records.push({ op: Op.PERSONALITY, args: [domain] });
  }
  records.push(...planRlimits(process), ...planSchedulingOps(process));
  records.push({ op: Op.CLOSE_FDS, args: [3 + input.preserveFds] });
  // The executable is looked up (from the cwd) before READY so create reports a missing one;
  // the wait on the exec fifo comes before the identity switch because a non-root,
  // non-dumpable init can no longer reopen the fifo through /proc/self/fd.
  const exec = planExec(process);
  const chdir = { op: Op.CHDIR, args: [process.cwd, 0] };
  const waitForStart = [{ op: Op.READY, args: [] }, { op: Op.EXEC_FIFO, args: [input.fifoFd] }];
  // startContainer hooks run as the process will: its identity, under its seccomp filter (runc).
  const startHooks = hookOps('startContainer', hooks.startContainer);
  const identity = planIdentity(process, input.lastCap);
  const finish = identityAndSeccomp(identity, chdir, !!process.noNewPrivileges, input.seccomp);
  // A notify filter's listener fd goes to the agent through this runtime, which leaves at
  // READY: then, as in runc, identity and filter come before READY.
  // The first chdir, still privileged, may reach a cwd only the runtime can (as runc).
  const earlyChdir = { op: Op.CHDIR, args: [process.cwd, 1] };
  if (input.seccomp?.notify) records.push(earlyChdir, exec.check, ...finish, ...waitForStart, ...startHooks, exec.exec);
  else records.push(earlyChdir, exec.check, ...waitForStart, ...finish, ...startHooks, exec.exec);
  return { records, warnings: identity.warnings, parentHooks, userns };
}
