// A temp-dir stand-in for cgroupfs: mkdir fills the new directory with the control files its
// controllers have, writes replace a file's content (never create one) and are logged in order,
// and cgroup.freeze updates cgroup.events as the kernel would.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CgroupFs } from '../../../src/cgroups/fs';

const V1_FILES: Record<string, Record<string, string>> = {
  memory: {
    'memory.limit_in_bytes': '9223372036854771712',
    'memory.memsw.limit_in_bytes': '9223372036854771712',
    'memory.soft_limit_in_bytes': '9223372036854771712',
    'memory.kmem.tcp.limit_in_bytes': '9223372036854771712',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    'memory.swappiness': '60',
    'memory.use_hierarchy': '1',
    'memory.usage_in_bytes': '0',
    'memory.max_usage_in_bytes': '0',
    'memory.failcnt': '0',
    'memory.stat': 'cache 0\nrss 0\n',
  },
  cpu: {
    'cpu.shares': '1024',
    'cpu.cfs_period_us': '100000',
    'cpu.cfs_quota_us': '-1',
    'cpu.cfs_burst_us': '0',
    'cpu.rt_period_us': '1000000',
    'cpu.rt_runtime_us': '0',
    'cpu.idle': '0',
    'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
  },
  cpuacct: { 'cpuacct.usage': '0', 'cpuacct.stat': 'user 0\nsystem 0\n', 'cpuacct.usage_percpu': '0 0 \n' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '' },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
  blkio: {
    'blkio.weight': '500',
    'blkio.leaf_weight': '500',
    'blkio.weight_device': '',
    'blkio.leaf_weight_device': '',
    'blkio.throttle.read_bps_device': '',
    'blkio.throttle.write_bps_device': '',
    'blkio.throttle.read_iops_device': '',
    'blkio.throttle.write_iops_device': '',
    'blkio.throttle.io_service_bytes_recursive': 'Total 0\n',
  },
  devices: { 'devices.allow': '', 'devices.deny': '', 'devices.list': 'a *:* rwm\n' },
  freezer: { 'freezer.state': 'THAWED' },
  hugetlb: { 'hugetlb.2MB.limit_in_bytes': '9223372036854771712', 'hugetlb.2MB.usage_in_bytes': '0', 'hugetlb.2MB.max_usage_in_bytes': '0', 'hugetlb.2MB.failcnt': '0' },
  net_cls: { 'net_cls.classid': '0' },
  net_prio: { 'net_prio.ifpriomap': '' },
  rdma: { 'rdma.max': '' },
};

const V2_CORE: Record<string, string> = {
  'cgroup.procs': '',
  'cgroup.subtree_control': '',
  'cgroup.freeze': '0',
  'cgroup.events': 'populated 0\nfrozen 0\n',
  'cgroup.kill': '',
  'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
};

const V2_FILES: Record<string, Record<string, string>> = {
  memory: { 'memory.max': 'max', 'memory.low': '0', 'memory.swap.max': 'max', 'memory.current': '0', 'memory.swap.current': '0', 'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n', 'memory.stat': 'anon 0\nfile 0\n' },
  cpu: { 'cpu.weight': '100', 'cpu.max': 'max 100000', 'cpu.max.burst': '0', 'cpu.idle': '0' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '', 'cpuset.cpus.effective': '0-1', 'cpuset.mems.effective': '0' },
  io: { 'io.weight': 'default 100', 'io.max': '', 'io.stat': '' },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
  hugetlb: { 'hugetlb.2MB.max': 'max', 'hugetlb.2MB.current': '0', 'hugetlb.2MB.events': 'max 0\n' },
  rdma: { 'rdma.max': '' },
};

export interface Write {
  file: string;
  data: string;
}

export class FakeCgroupFs implements CgroupFs {
  readonly root: string;
  readonly writes: Write[] = [];
  private v1Hierarchies: string[] = [];

  private constructor(readonly version: 'v1' | 'v2') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `runts-fakecg-${version}-`));
  }

  /** A v1 tree: one directory per hierarchy (names may co-mount, e.g. "cpu,cpuacct"). */
  static v1(hierarchies: string[], opts: { unified?: boolean } = {}): FakeCgroupFs {
    const f = new FakeCgroupFs('v1');
    f.v1Hierarchies = hierarchies;
    for (const h of hierarchies) {
      fs.mkdirSync(path.join(f.root, h));
      f.populateV1(path.join(f.root, h));
      if (h.split(',').includes('cpuset')) {
        fs.writeFileSync(path.join(f.root, h, 'cpuset.cpus'), '0-1\n');
        fs.writeFileSync(path.join(f.root, h, 'cpuset.mems'), '0\n');
      }
    }
    if (opts.unified) {
      fs.mkdirSync(path.join(f.root, 'unified'));
      f.populateV2(path.join(f.root, 'unified'), []);
    }
    return f;
  }

  /** A v2 tree whose root offers `controllers`. */
  static v2(controllers: string[]): FakeCgroupFs {
    const f = new FakeCgroupFs('v2');
    f.populateV2(f.root, []);
    fs.writeFileSync(path.join(f.root, 'cgroup.controllers'), controllers.join(' ') + '\n');
    return f;
  }

  private populateV1(dir: string): void {
    const hierarchy = path.relative(this.root, dir).split(path.sep)[0];
    const files: Record<string, string> = { 'cgroup.procs': '' };
    for (const c of hierarchy.split(',')) Object.assign(files, V1_FILES[c] ?? {});
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  }

  private populateV2(dir: string, controllers: string[]): void {
    const files: Record<string, string> = { ...V2_CORE, 'cgroup.controllers': controllers.join(' ') + '\n' };
    for (const c of controllers) Object.assign(files, V2_FILES[c] ?? {});
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  }

  private isUnified(dir: string): boolean {
    return this.version === 'v2' || path.relative(this.root, dir).split(path.sep)[0] === 'unified';
  }

  read(file: string): string {
    return fs.readFileSync(file, 'utf8');
  }

  write(file: string, data: string): void {
    if (!fs.existsSync(file)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    this.writes.push({ file: path.relative(this.root, file), data });
    const name = path.basename(file);
    const dir = path.dirname(file);
    if (name === 'cgroup.subtree_control') {
      const current = new Set(this.read(file).split(/\s+/).filter((c) => c !== ''));
      for (const tok of data.split(/\s+/)) {
        if (tok.startsWith('+')) current.add(tok.slice(1));
        else if (tok.startsWith('-')) current.delete(tok.slice(1));
      }
      fs.writeFileSync(file, [...current].join(' ') + '\n');
      return;
    }
    if (name === 'cgroup.freeze') {
      fs.writeFileSync(path.join(dir, 'cgroup.events'), `populated 0\nfrozen ${data.trim()}\n`);
    }
    fs.writeFileSync(file, data);
  }

  /** Writes made to one file (relative to the fake root), in order. */
  writesTo(file: string): string[] {
    return this.writes.filter((w) => w.file === file).map((w) => w.data);
  }

  exists(p: string): boolean {
    return fs.existsSync(p);
  }

  mkdir(dir: string): void {
    if (fs.existsSync(dir)) return;
    fs.mkdirSync(dir);
    if (this.isUnified(dir)) {
      const enabled = this.read(path.join(path.dirname(dir), 'cgroup.subtree_control')).split(/\s+/).filter((c) => c !== '');
      this.populateV2(dir, enabled);
    } else {
      this.populateV1(dir);
    }
  }

  rmdir(dir: string): void {
    // cgroupfs removes a directory with its control files in one rmdir.
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      if (f.isDirectory()) throw Object.assign(new Error(`ENOTEMPTY: ${dir}`), { code: 'ENOTEMPTY' });
    }
    fs.rmSync(dir, { recursive: true });
  }

  subdirs(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  }

  files(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
  }

  /** Each v1 hierarchy directory as a cgroup mount (named "systemd" as name=systemd). */
  mountinfo(): string {
    const lines = this.v1Hierarchies.map((h, i) => {
      const options = h === 'systemd' ? 'name=systemd' : h;
      return `${30 + i} 20 0:${40 + i} / ${path.join(this.root, h)} rw,relatime - cgroup cgroup rw,${options}`;
    });
    return `20 1 0:19 / ${this.root} rw - tmpfs tmpfs rw,mode=755\n${lines.join('\n')}\n`;
  }

  /** Puts a file's content, e.g. a usage counter the kernel would maintain. */
  set(relFile: string, content: string): void {
    fs.writeFileSync(path.join(this.root, relFile), content);
  }

  get(relFile: string): string {
    return fs.readFileSync(path.join(this.root, relFile), 'utf8');
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
