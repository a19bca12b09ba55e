// Configs for the validation tests: runc's own defaults (from the installed runc) and a
// maximal config that sets every field the schemas define.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The config.json `<runtime> spec [--rootless]` writes, read from a temp dir that is then removed. */
export function specOf(runtime: 'runc' | 'crun', rootless = false): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-validate-'));
  try {
    execFileSync(runtime, rootless ? ['spec', '--rootless'] : ['spec'], { cwd: dir });
    return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const runcSpec = (rootless = false) => specOf('runc', rootless);

/** containerd's default spec (`ctr oci spec`): a template without process.args. */
export function containerdSpec(): any {
  return JSON.parse(execFileSync('ctr', ['oci', 'spec'], { encoding: 'utf8' }));
}

const idmap = [{ containerID: 0, hostID: 100000, size: 65536 }];
const hook = { path: '/usr/bin/hook', args: ['hook', 'x'], env: ['A=1'], timeout: 5 };
const throttle = [{ major: 8, minor: 0, rate: 1048576 }];

/** Every field of config.json (runtime-spec 1.3.0, Linux), each with a valid value. */
export function maximalConfig(): any {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs', readonly: true },
    // The fullest entry of each array comes first: the coverage test looks at items[0].
    mounts: [
      {
        destination: '/data',
        type: 'bind',
        source: '/srv/data',
        options: ['rbind', 'idmap'],
        uidMappings: idmap,
        gidMappings: idmap,
      },
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid'] },
    ],
    process: {
      terminal: true,
      consoleSize: { height: 25, width: 80 },
      user: { uid: 1, gid: 1, umask: 18, additionalGids: [5, 6], username: 'ignored' },
      args: ['sh', '-c', 'true'],
      commandLine: 'ignored on linux',
      env: ['PATH=/bin', 'TERM=xterm'],
      cwd: '/root',
      capabilities: {
        bounding: ['CAP_KILL'],
        effective: ['CAP_KILL'],
        inheritable: ['CAP_KILL'],
        permitted: ['CAP_KILL'],
        ambient: ['CAP_KILL'],
      },
      rlimits: [
        { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
        { type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 },
      ],
      noNewPrivileges: true,
      apparmorProfile: 'acme',
      oomScoreAdj: 100,
      selinuxLabel: 'system_u:system_r:svirt_lxc_net_t:s0:c124,c675',
      scheduler: {
        policy: 'SCHED_DEADLINE',
        nice: 0,
        priority: 0,
        flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM'],
        runtime: 10000000,
        deadline: 20000000,
        period: 30000000,
      },
      ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 4 },
      execCPUAffinity: { initial: '0-3,7', final: '1' },
    },
    hostname: 'box',
    domainname: 'example.org',
    hooks: {
      prestart: [hook],
      createRuntime: [hook],
      createContainer: [hook],
      startContainer: [hook],
      poststart: [hook],
      poststop: [hook],
    },
    annotations: { 'com.example.key': 'value' },
    linux: {
      namespaces: [
        { type: 'pid', path: '/proc/1/ns/pid' },
        ...['network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'].map((type) => ({ type })),
      ],
      uidMappings: idmap,
      gidMappings: idmap,
      timeOffsets: { boottime: { secs: -10, nanosecs: 5 }, monotonic: { secs: 3600, nanosecs: 0 } },
      devices: [
        { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
        { type: 'p', path: '/dev/myfifo' },
      ],
      netDevices: { eth1: { name: 'ctr1' } },
      cgroupsPath: '/runts/maximal',
      resources: {
        devices: [
          { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
          { allow: false, access: 'rwm' },
        ],
        memory: {
          limit: 536870912,
          reservation: 268435456,
          swap: 536870912,
          kernel: -1,
          kernelTCP: -1,
          swappiness: 0,
          disableOOMKiller: false,
          useHierarchy: true,
          checkBeforeUpdate: true,
        },
        cpu: {
          shares: 1024,
          quota: 100000,
          burst: 10000,
          period: 100000,
          realtimeRuntime: 950000,
          realtimePeriod: 1000000,
          cpus: '0-1',
          mems: '0',
          idle: 0,
        },
        pids: { limit: 32771 },
        blockIO: {
          weight: 500,
          leafWeight: 300,
          weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 300 }],
          throttleReadBpsDevice: throttle,
          throttleWriteBpsDevice: throttle,
          throttleReadIOPSDevice: throttle,
          throttleWriteIOPSDevice: throttle,
        },
        hugepageLimits: [{ pageSize: '2MB', limit: 209715200 }],
        network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }] },
        rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
        unified: { 'memory.high': '1073741824' },
      },
      rootfsPropagation: 'slave',
      seccomp: {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
        listenerPath: '/run/seccomp-agent.sock',
        listenerMetadata: 'metadata',
        syscalls: [
          {
            names: ['personality'],
            action: 'SCMP_ACT_ERRNO',
            errnoRet: 38,
            args: [{ index: 0, value: 255, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
          },
          { names: ['getcwd', 'chmod'], action: 'SCMP_ACT_ALLOW' },
          { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
        ],
      },
      sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '4096', 'fs.mqueue.msg_max': '10', 'kernel.domainname': 'x' },
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      mountLabel: 'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811',
      intelRdt: {
        closID: 'guaranteed_group',
        schemata: ['L2:0=ff;1=c0'],
        l3CacheSchema: 'L3:0=7f0;1=1f',
        memBwSchema: 'MB:0=20;1=70',
        enableMonitoring: true,
        enableCMT: true,
        enableMBM: true,
      },
      memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0-3,7', flags: ['MPOL_F_STATIC_NODES'] },
      personality: { domain: 'LINUX', flags: [] },
    },
  };
}
