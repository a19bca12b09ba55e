// Reading a few small files (/etc/passwd, /etc/group) out of a container's rootfs before it runs,
// as containerd's CRI does: the snapshot's mounts on a private read-only temporary directory, each
// path resolved inside it with every symlink followed as if that directory were "/" (the image is
// untrusted: /etc/passwd -> /../../etc/shadow must stay in the image), then unmounted.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RootedTree, cleanComponents } from '../../diff/rooted-path';
import { Mount, mountAll, unmountAll } from '../../mount';
import { RuntsError } from '../../foundation/errors';

const MAX_SYMLINK_HOPS = 40;
/** /etc/passwd of a real image is kilobytes; more than this is not one to parse. */
const MAX_FILE_BYTES = 4 << 20;

export type RootfsReader = (file: string) => Promise<string | undefined>;

/** The file's text, or undefined when it does not exist; never a file outside `root`. */
export async function readRootedFile(root: string, file: string): Promise<string | undefined> {
  const tree = new RootedTree(root);
  let parts = cleanComponents(file);
  for (let hops = 0; parts.length > 0; hops++) {
    if (hops > MAX_SYMLINK_HOPS) throw new RuntsError(`${file} in the image: too many levels of symbolic links`, 'invalid', 'ELOOP');
    const name = parts[parts.length - 1];
    let dir: string[];
    try {
      dir = await tree.resolveDirectory(parts.slice(0, -1), false);
    } catch (err) {
      if ((err as RuntsError).errno === 'ENOENT' || (err as RuntsError).errno === 'ENOTDIR') return undefined;
      throw err;
    }
    const full = tree.child(dir, name, 'path');
    const stat = await fs.promises.lstat(full).catch(() => undefined);
    if (!stat) return undefined;
    if (stat.isSymbolicLink()) {
      const target = await fs.promises.readlink(full);
      // relative targets from the link's directory, absolute ones from the root
      parts = cleanComponents(target.startsWith('/') ? target : [...dir, target].join('/'));
      continue;
    }
    if (!stat.isFile()) throw new RuntsError(`${file} in the image is not a regular file`, 'invalid');
    // O_NOFOLLOW: the last component was checked above and may not have become a link since
    const handle = await fs.promises.open(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const { size } = await handle.stat();
      if (size > MAX_FILE_BYTES) throw new RuntsError(`${file} in the image is ${size} bytes, more than ${MAX_FILE_BYTES}`, 'invalid');
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }
  return undefined;
}

/** Runs `use` with a reader of the rootfs the mounts make, mounted read-only for its duration. */
export async function withRootfs<T>(mounts: Mount[], use: (read: RootfsReader) => Promise<T>): Promise<T> {
  const target = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'runts-cri-rootfs-'));
  try {
    await mountAll(mounts.map((m) => ({ ...m, options: [...m.options.filter((o) => o !== 'rw'), 'ro'] })), target);
    try {
      return await use((file) => readRootedFile(target, file));
    } finally {
      await unmountAll(target, mounts.length);
    }
  } finally {
    await fs.promises.rmdir(target).catch(() => undefined);
  }
}
