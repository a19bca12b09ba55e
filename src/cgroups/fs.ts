// The filesystem seam: every cgroup file access goes through CgroupFs, so controller logic can be
// unit-tested against a temp-dir fake that mimics cgroupfs (control files appear on mkdir).
import * as fs from 'fs';
import * as path from 'path';
import { systemError } from '../foundation/errors';

export interface CgroupFs {
  read(file: string): string;
  /** Writes an existing control file; never creates one (cgroupfs refuses O_CREAT). */
  write(file: string, data: string): void;
  exists(p: string): boolean;
  /** Creates one directory level; an existing directory is fine. */
  mkdir(dir: string): void;
  rmdir(dir: string): void;
  /** Names of the subdirectories of dir (empty when dir is missing). */
  subdirs(dir: string): string[];
  /** Names of the regular files in dir (empty when dir is missing). */
  files(dir: string): string[];
  /** /proc/self/mountinfo: where the hierarchies are mounted. */
  mountinfo(): string;
}

function listDir(dir: string, wantDirs: boolean): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => (wantDirs ? d.isDirectory() : d.isFile()))
      .map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export const nodeCgroupFs: CgroupFs = {
  read: (file) => fs.readFileSync(file, 'utf8'),
  write: (file, data) => {
    const fd = fs.openSync(file, fs.constants.O_WRONLY);
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  },
  exists: (p) => fs.existsSync(p),
  mkdir: (dir) => {
    try {
      fs.mkdirSync(dir, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  },
  rmdir: (dir) => fs.rmdirSync(dir),
  subdirs: (dir) => listDir(dir, true),
  files: (dir) => listDir(dir, false),
  mountinfo: () => fs.readFileSync('/proc/self/mountinfo', 'utf8'),
};

/** A cgroup directory with its filesystem: reads and writes name the file in their errors. */
export class CgroupDir {
  constructor(
    readonly fs: CgroupFs,
    readonly dir: string,
  ) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  has(name: string): boolean {
    return this.fs.exists(this.file(name));
  }

  read(name: string): string {
    try {
      return this.fs.read(this.file(name));
    } catch (e) {
      throw systemError(`cgroup: reading ${this.file(name)}`, e);
    }
  }

  /** Reads a file that may be absent (controller missing, kernel without the feature). */
  readIfPresent(name: string): string | undefined {
    try {
      return this.fs.read(this.file(name));
    } catch {
      return undefined;
    }
  }

  write(name: string, data: string | number | bigint): void {
    try {
      this.fs.write(this.file(name), String(data));
    } catch (e) {
      throw systemError(`cgroup: writing ${JSON.stringify(String(data))} to ${this.file(name)}`, e);
    }
  }
}

// made on first use: a V8 startup snapshot cannot hold a SharedArrayBuffer
let sleepCell: Int32Array | undefined;

/** A short synchronous pause (the manager API is synchronous, like the syscalls behind it). */
export function sleepSync(ms: number): void {
  sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleepCell, 0, 0, ms);
}
