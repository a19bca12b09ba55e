// What Node's fs cannot do: device nodes, fifos and extended attributes. Done with the small
// coreutils/attr programs (mknod, setfattr, getfattr) until the addon exposes mknodat/fsetxattr.
// None of them follow a symlink in the last path component (mknod fails with EEXIST; setfattr
// and getfattr are called with -h).

import { execFile } from 'child_process';
import { RuntsError } from '../runtime/errors';

function run(program: string, args: string[], what: string, hint?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout.toString('latin1'));
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') {
        return reject(new RuntsError(`${what}: the ${program} program is not installed (${hint})`, 'unsupported'));
      }
      const text = stderr.toString().trim().split('\n').pop() || error.message;
      const denied = /Operation not permitted|Permission denied/i.test(text);
      reject(new RuntsError(`${what}: ${text.replace(/^[^:]*: /, '')}`, 'system', denied ? 'EPERM' : undefined));
    });
  });
}

export type NodeKind = 'char' | 'block' | 'fifo';

export async function makeNode(path: string, kind: NodeKind, mode: number, major = 0, minor = 0): Promise<void> {
  const typeArgs = kind === 'fifo' ? ['p'] : [kind === 'char' ? 'c' : 'b', String(major), String(minor)];
  await run('mknod', ['-m', (mode & 0o7777).toString(8), path, ...typeArgs], `creating ${kind} node ${path}`, 'apt-get install coreutils');
}

export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  await run('setfattr', ['-h', '-n', name, '-v', '0x' + value.toString('hex'), path], `setting xattr ${name} on ${path}`, 'apt-get install attr');
}

/** All extended attributes of a path (not following a final symlink), values as bytes. */
export async function getXattrs(path: string): Promise<Map<string, Buffer>> {
  const out = await run('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path], `reading xattrs of ${path}`, 'apt-get install attr');
  const xattrs = new Map<string, Buffer>();
  for (const line of out.split('\n')) {
    const match = /^([^#=][^=]*)=0x([0-9a-f]*)$/.exec(line.trim());
    if (match) xattrs.set(match[1], Buffer.from(match[2], 'hex'));
  }
  return xattrs;
}
