// A directory tree as lines, one per path, holding everything a container would observe of it
// (mode, owner, mtime, contents, hard-link groups, link targets, device numbers, xattrs), so two
// unpacks of the same image compare with one toEqual.
import * as fs from 'fs';
import * as path from 'path';
import { getXattrs } from '../../src/diff/special-files';

/** withoutMtime: relative paths whose mtime is not compared. */
export async function describeTree(root: string, withoutMtime: ReadonlySet<string> = new Set()): Promise<string[]> {
  const out: string[] = [];
  const groups = new Map<bigint, string>();
  const walk = async (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p, { bigint: true });
      let line = `${r} mode=${st.mode.toString(8)} owner=${st.uid}:${st.gid}`;
      if (!withoutMtime.has(r)) line += ` mtime=${st.mtimeMs}`;
      if (st.isFile()) line += ` data=${JSON.stringify(fs.readFileSync(p, 'utf8'))} nlink=${st.nlink}`;
      if (st.nlink > 1n && !st.isDirectory()) {
        line += ` group=${groups.get(st.ino) ?? r}`;
        if (!groups.has(st.ino)) groups.set(st.ino, r);
      }
      if (st.isSymbolicLink()) line += ` -> ${fs.readlinkSync(p)}`;
      if (st.isCharacterDevice() || st.isBlockDevice()) line += ` rdev=${st.rdev}`;
      const xattrs = [...(await getXattrs(p))].filter(([k]) => !k.startsWith('trusted.overlay.')).map(([k, v]) => `${k}=${v.toString('hex')}`).sort();
      if (xattrs.length) line += ` xattrs=${xattrs.join(',')}`;
      out.push(line);
      if (st.isDirectory()) await walk(p, r);
    }
  };
  await walk(root, '');
  return out;
}
