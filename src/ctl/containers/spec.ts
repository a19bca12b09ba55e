// The OCI spec of a runtsctl container: containerd's default spec (as ctr and nerdctl start
// from) with the image's Entrypoint/Cmd/Env/WorkingDir/User, the run flags, and the network
// namespace: a pinned path (bridge), the host's (host), or a fresh empty one (none).
import { ImageConfig } from '../../image/documents';
import { Spec } from '../../runtime/spec';
import { invalid } from '../../foundation/errors';

// Docker's default capability set.
const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Volume {
  source: string;
  destination: string;
  readonly: boolean;
}

export interface SpecOptions {
  id: string;
  namespace: string;
  hostname: string;
  image: ImageConfig;
  command: string[];
  env: string[];
  volumes: Volume[];
  terminal: boolean;
  /** 'host', or the path of the namespace to join; undefined: a new empty one. */
  netns: 'host' | string | undefined;
  /** Files runtsctl writes for the container: /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string } | undefined;
}

/** docker's -v HOST:CTR[:ro|rw]; both paths absolute. */
export function parseVolume(spec: string): Volume {
  const parts = spec.split(':');
  const [source, destination, mode = 'rw'] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !destination || (mode !== 'ro' && mode !== 'rw')) {
    throw invalid(`invalid volume specification: '${spec}' (expected HOST:CONTAINER[:ro])`);
  }
  if (!source.startsWith('/')) throw invalid(`invalid volume specification: '${spec}': named volumes are not supported, the host path must be absolute`);
  if (!destination.startsWith('/')) throw invalid(`invalid volume specification: '${spec}': the container path must be absolute`);
  return { source, destination, readonly: mode === 'ro' };
}

/** docker's -e: K=V as is; a bare K takes the caller's value when it has one. */
export function parseEnv(entries: string[], from: NodeJS.ProcessEnv): string[] {
  return entries.flatMap((e) => {
    if (e.startsWith('=') || e === '') throw invalid(`invalid environment variable: ${e}`);
    if (e.includes('=')) return [e];
    return from[e] !== undefined ? [`${e}=${from[e]}`] : [];
  });
}

/** Later entries replace earlier ones of the same name, order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) for (const e of list) out.set(e.split('=')[0], e);
  return [...out.values()];
}

function user(text: string | undefined): { uid: number; gid: number } {
  if (!text) return { uid: 0, gid: 0 };
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw invalid(`image user "${text}": only numeric uid[:gid] is supported`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? 0) };
}

export function containerSpec(o: SpecOptions): Spec {
  const cfg = o.image.config ?? {};
  const args = [...(cfg.Entrypoint ?? []), ...(o.command.length > 0 ? o.command : cfg.Cmd ?? [])];
  if (args.length === 0) throw invalid('no command specified (the image has no Entrypoint or Cmd; give one after the image)');
  const binds = o.volumes.map((v) => ({
    destination: v.destination, type: 'bind', source: v.source, options: ['rbind', v.readonly ? 'ro' : 'rw'],
  }));
  const etc = o.etcFiles
    ? [['/etc/hosts', o.etcFiles.hosts], ['/etc/hostname', o.etcFiles.hostname], ['/etc/resolv.conf', o.etcFiles.resolvConf]]
      .map(([destination, source]) => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate'] }))
    : [];
  const namespaces: { type: string; path?: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (o.netns !== 'host') namespaces.push(o.netns ? { type: 'network', path: o.netns } : { type: 'network' });
  return {
    ociVersion: '1.1.0',
    process: {
      terminal: o.terminal,
      user: user(cfg.User),
      args,
      env: mergeEnv([DEFAULT_PATH], cfg.Env ?? [], o.terminal ? ['TERM=xterm'] : [], o.env),
      cwd: cfg.WorkingDir || '/',
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: o.netns === 'host' ? undefined : o.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      ...etc,
      ...binds,
    ],
    linux: {
      cgroupsPath: `/${o.namespace}/${o.id}`,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces,
      maskedPaths: MASKED,
      readonlyPaths: READONLY,
    },
  } as Spec;
}
