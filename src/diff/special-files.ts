// What Node's fs cannot do: device nodes, fifos and extended attributes, through the addon. None
// of them follow a symlink in the last path component (mknod fails with EEXIST on any existing
// path; the xattr calls are the l* variants).

import * as fs from 'fs';
import * as native from '../native';
import { RuntsError, systemError } from '../foundation/errors';

export type NodeKind = 'char' | 'block' | 'fifo';

const TYPE_BITS: Record<NodeKind, number> = { char: fs.constants.S_IFCHR, block: fs.constants.S_IFBLK, fifo: fs.constants.S_IFIFO };

function failure(what: string, err: unknown): RuntsError {
  const e = systemError(what, err);
  return e.errno === 'EPERM' || e.errno === 'EACCES' ? new RuntsError(e.message, 'system', 'EPERM') : e;
}

export async function makeNode(path: string, kind: NodeKind, mode: number, major = 0, minor = 0): Promise<void> {
  try {
    native.mknod(path, TYPE_BITS[kind] | (mode & 0o7777), kind === 'fifo' ? 0 : major, kind === 'fifo' ? 0 : minor);
  } catch (err) {
    throw failure(`creating ${kind} node ${path}`, err);
  }
}

export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  try {
    native.lsetxattr(path, name, value);
  } catch (err) {
    throw failure(`setting xattr ${name} on ${path}`, err);
  }
}

/** All extended attributes of a path (not following a final symlink), values as bytes. */
export async function getXattrs(path: string): Promise<Map<string, Buffer>> {
  try {
    return new Map(native.lgetxattrs(path));
  } catch (err) {
    throw failure(`reading xattrs of ${path}`, err);
  }
}
