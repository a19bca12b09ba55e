// Placeholder cgroup placement (replaced by the full v1/v2 library).
import * as fs from 'fs';
import * as path from 'path';

export interface CgroupManager {
  readonly paths: Record<string, string>;
  create(): void;
  addProcess(pid: number): void;
  pids(): number[];
  killAll(signal: number): void;
  destroy(): void;
}

export const defaultCgroupsPath = (id: string) => `/${id}`;

function hierarchies(root: string): string[] {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const out: string[] = [];
  for (const line of mounts) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0) continue;
    const type = f[sep + 1];
    if ((type === 'cgroup' || type === 'cgroup2') && f[4].startsWith(root + '/') && f[3] === '/') out.push(f[4]);
  }
  return out;
}

export function openCgroup(opts: { path: string; root?: string }): CgroupManager {
  const root = opts.root ?? '/sys/fs/cgroup';
  const paths: Record<string, string> = {};
  for (const h of hierarchies(root)) {
    if (h.endsWith('/process_api')) continue;
    paths[path.basename(h)] = path.join(h, opts.path);
  }
  const dirs = () => Object.values(paths);
  return {
    paths,
    create() {
      for (const d of dirs()) {
        fs.mkdirSync(d, { recursive: true });
        // A new v1 cpuset has no cpus or mems: inherit the parent's.
        if (fs.existsSync(path.join(d, 'cpuset.cpus'))) {
          for (const f of ['cpuset.cpus', 'cpuset.mems']) {
            if (!fs.readFileSync(path.join(d, f), 'utf8').trim()) fs.writeFileSync(path.join(d, f), fs.readFileSync(path.join(d, '..', f)));
          }
        }
      }
    },
    addProcess(pid: number) {
      for (const d of dirs()) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(pid));
    },
    pids() {
      const d = dirs()[0];
      if (!d) return [];
      try {
        return fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    killAll(signal: number) {
      for (const pid of this.pids()) {
        try { process.kill(pid, signal); } catch { /* gone */ }
      }
    },
    destroy() {
      for (const d of dirs()) {
        for (let i = 0; i < 50; i++) {
          try {
            fs.rmdirSync(d);
            break;
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') break;
            if (code !== 'EBUSY') throw err;
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          }
        }
      }
    },
  };
}
