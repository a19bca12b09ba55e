// <root>/<id>/state.json, written atomically (temp, rename) under a per-container flock. Not
// fsynced, as runc's is not: the root is normally a tmpfs (/run), whose state dies with the host.
// The directory's creation is the one atomic step that decides which of two creates wins.
import * as fs from 'fs';
import * as path from 'path';
import * as native from '../native';
import { writeFileAtomic } from '../foundation/atomic-file';
import { RuntsError, systemError } from '../foundation/errors';
import { defaultStateRoot } from './rootless';
import { Spec } from './spec';


/** What runts keeps per container; the OCI state is derived from it (see status.ts). */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  pid: number;
  /** /proc/<pid>/stat start time, so a recycled pid is never mistaken for the init */
  initStartTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations: Record<string, string>;
  cgroupsPath: string;
  /** A relative cgroupsPath's base: the creating runtime's own cgroups (/proc/self/cgroup),
   * so later commands, run from any cgroup, find the same directories. */
  cgroupParent?: Record<string, string>;
  /** Without a mount namespace of its own: the mounts in the rootfs before create, which
   * delete leaves (the container's own mounts, on the host, go). */
  hostMountsBefore?: string[];
  config: Spec;
}

const ID_PATTERN = /^[\w+\-.]+$/;

export function checkId(id: string): void {
  if (!id) throw new RuntsError('container id cannot be empty', 'invalid');
  if (!ID_PATTERN.test(id) || id === '.' || id === '..') throw new RuntsError(`invalid container id format: ${id}`, 'invalid');
}

const LOCK_WAIT_MS = 60_000;

/** Waits for a container's lock, but never without bound: a hung holder gives a clear error. */
async function lockBounded(fd: number, id: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!native.tryLockFile(fd, true)) {
    if (Date.now() > deadline) throw new RuntsError(`container ${id} is busy: another runts command has held its lock for ${LOCK_WAIT_MS / 1000} s`, 'system');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class StateStore {
  constructor(readonly root: string = defaultStateRoot()) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }
  fifoPath(id: string): string {
    return path.join(this.dir(id), 'exec.fifo');
  }

  /** Claims the id: exactly one concurrent caller succeeds. */
  claim(id: string): void {
    checkId(id);
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
      fs.mkdirSync(this.dir(id), { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntsError(`container with id ${id} already exists`, 'exists');
      throw systemError(`create state directory ${this.dir(id)}`, err);
    }
  }

  /** Runs fn holding the container's exclusive lock. */
  async locked<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    checkId(id);
    let fd: number;
    try {
      fd = fs.openSync(this.dir(id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notExist(id);
      throw systemError(`open state directory ${this.dir(id)}`, err);
    }
    try {
      await lockBounded(fd, id);
      return await fn();
    } finally {
      fs.closeSync(fd);
    }
  }

  read(id: string): ContainerRecord {
    checkId(id);
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir(id), 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notExist(id);
      throw systemError(`read state of ${id}`, err);
    }
    try {
      return JSON.parse(text) as ContainerRecord;
    } catch {
      throw new RuntsError(`state of container ${id} is corrupt; remove it with: runts delete --force ${id}`, 'system');
    }
  }

  write(record: ContainerRecord): void {
    writeFileAtomic(path.join(this.dir(record.id), 'state.json'), JSON.stringify(record), { mode: 0o600 });
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return fs.readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch {
      return [];
    }
  }
}

export const notExist = (id: string) => new RuntsError(`container ${id} does not exist`, 'not-found');
