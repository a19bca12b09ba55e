// Which shim binary serves a runtime: containerd's rule, io.containerd.X.vN -> containerd-shim-X-vN,
// an absolute path taken as is. runts's own bin/ is searched first so its shim wins over any
// installed copy, then the daemon's working directory and $PATH, as containerd does.
import * as fs from 'fs';
import * as path from 'path';
import { invalid, notFound } from '../../foundation/errors';

const REPO_BIN = path.resolve(__dirname, '..', '..', '..', 'bin');

export function shimBinaryName(runtime: string): string {
  const parts = runtime.split('.');
  if (parts.length < 2 || parts.some((p) => !p)) {
    throw invalid(`runtime "${runtime}" is not a valid shim runtime name (want e.g. io.containerd.runc.v2)`);
  }
  return `containerd-shim-${parts[parts.length - 2]}-${parts[parts.length - 1]}`;
}

const isExecutable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

export function resolveShimBinary(runtime: string, searchPath = process.env.PATH ?? ''): string {
  if (path.isAbsolute(runtime)) {
    if (!isExecutable(runtime)) throw notFound(`runtime binary ${runtime} is not an executable file`);
    return runtime;
  }
  const name = shimBinaryName(runtime);
  const dirs = [REPO_BIN, process.cwd(), ...searchPath.split(':').filter(Boolean)];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  throw notFound(`runtime "${runtime}" binary not installed "${name}": not in ${REPO_BIN}, the working directory or $PATH`);
}
