// A task's bundle, laid out as containerd 1.6 lays it out: <state>/io.containerd.runtime.v2.task/
// <ns>/<id> holds config.json (the container's OCI spec), an empty rootfs/ the shim mounts the
// snapshot on, a `work` link to <root>/io.containerd.runtime.v2.task/<ns>/<id>, the `log` fifo the
// shim writes its log to, and the `address` file the shim writes. runtsd adds `shim-binary-path`
// so a restarted daemon knows which binary cleans up after a dead shim.
import * as fs from 'fs';
import * as path from 'path';
import { mkfifo } from '../../native';
import { RuntsError, systemError } from '../../foundation/errors';

export const TASK_DIR = 'io.containerd.runtime.v2.task';
const SHIM_BINARY_FILE = 'shim-binary-path';

export interface Bundle {
  namespace: string;
  id: string;
  path: string;
  workDir: string;
}

export function bundleOf(root: string, state: string, namespace: string, id: string): Bundle {
  return {
    namespace,
    id,
    path: path.join(state, TASK_DIR, namespace, id),
    workDir: path.join(root, TASK_DIR, namespace, id),
  };
}

/** Makes a fresh bundle; fails with AlreadyExists when a live one is in the way. */
export function createBundle(bundle: Bundle, specJson: Buffer, shimBinary: string): void {
  try {
    fs.mkdirSync(path.dirname(bundle.path), { recursive: true, mode: 0o711 });
    fs.mkdirSync(bundle.path, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RuntsError(`task ${bundle.id}: bundle ${bundle.path} already exists`, 'exists');
    }
    throw systemError(`creating bundle ${bundle.path}`, err);
  }
  try {
    fs.mkdirSync(bundle.workDir, { recursive: true, mode: 0o711 });
    fs.symlinkSync(bundle.workDir, path.join(bundle.path, 'work'));
    fs.mkdirSync(path.join(bundle.path, 'rootfs'), { mode: 0o711 });
    fs.writeFileSync(path.join(bundle.path, 'config.json'), specJson, { mode: 0o600 });
    fs.writeFileSync(path.join(bundle.path, SHIM_BINARY_FILE), shimBinary);
    mkfifo(path.join(bundle.path, 'log'), 0o700);
  } catch (err) {
    removeBundle(bundle);
    throw systemError(`preparing bundle ${bundle.path}`, err);
  }
}

/** Replaces the bundle's config.json (a shim started early: the task is created from this one). */
export function writeBundleSpec(bundle: Bundle, specJson: Buffer): void {
  try {
    fs.writeFileSync(path.join(bundle.path, 'config.json'), specJson, { mode: 0o600 });
  } catch (err) {
    throw systemError(`writing ${bundle.path}/config.json`, err);
  }
}

/** The shim's address as it wrote it, or undefined when it never did. */
export function readAddress(bundlePath: string): string | undefined {
  try {
    return fs.readFileSync(path.join(bundlePath, 'address'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function readShimBinary(bundlePath: string): string | undefined {
  try {
    return fs.readFileSync(path.join(bundlePath, SHIM_BINARY_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Removes the bundle and its work dir. rootfs/ is only removed when empty: a mount still on it
 *  must never have its contents deleted with it. */
export function removeBundle(bundle: Bundle): void {
  try {
    fs.rmdirSync(path.join(bundle.path, 'rootfs'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw systemError(`removing ${bundle.path}/rootfs (still mounted?)`, err);
  }
  fs.rmSync(bundle.path, { recursive: true, force: true });
  fs.rmSync(bundle.workDir, { recursive: true, force: true });
}

/** Every bundle under the state dir, for recovery after a restart. */
export function listBundles(root: string, state: string): Bundle[] {
  const base = path.join(state, TASK_DIR);
  const found: Bundle[] = [];
  const dirs = (dir: string) => {
    try {
      return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  };
  for (const namespace of dirs(base)) {
    for (const id of dirs(path.join(base, namespace))) found.push(bundleOf(root, state, namespace, id));
  }
  return found;
}
