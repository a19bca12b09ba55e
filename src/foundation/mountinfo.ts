// /proc/<pid>/mountinfo, one parser for every reader (proc(5)): "id parent major:minor root
// mount-point options [optional fields...] - fstype source super-options". Paths come escaped
// (space, tab, newline and backslash as \ooo) and are unescaped here.
import * as fs from 'fs';

export interface MountInfo {
  id: number;
  parentId: number;
  /** "major:minor" of the mounted filesystem */
  device: string;
  /** the directory of the filesystem that forms this mount's root */
  root: string;
  mountPoint: string;
  /** per-mount options, e.g. ["rw", "nosuid"] */
  options: string[];
  /** propagation tags such as "shared:9" or "master:1" */
  optionalFields: string[];
  fsType: string;
  source: string;
  /** per-superblock options, e.g. ["rw", "cpu", "cpuacct"] */
  superOptions: string[];
}

const unescapeMountPath = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** One mountinfo line, or undefined for a line that is not one (blank, truncated). */
export function parseMountInfoLine(line: string): MountInfo | undefined {
  const fields = line.trim().split(' ');
  const dash = fields.indexOf('-', 6);
  if (fields.length < 7 || dash < 0 || fields.length < dash + 3) return undefined;
  const [id, parentId, device, root, mountPoint, options] = fields;
  return {
    id: Number(id),
    parentId: Number(parentId),
    device,
    root: unescapeMountPath(root),
    mountPoint: unescapeMountPath(mountPoint),
    options: options.split(','),
    optionalFields: fields.slice(6, dash),
    fsType: fields[dash + 1],
    source: unescapeMountPath(fields[dash + 2]),
    superOptions: (fields[dash + 3] ?? '').split(',').filter(Boolean),
  };
}

/** Every mount of a mountinfo text, in the kernel's order (parents before their children). */
export function parseMountInfo(text: string): MountInfo[] {
  return text.split('\n').flatMap((line) => parseMountInfoLine(line) ?? []);
}

/** The mounts of this process's mount namespace. */
export const readMountInfo = (): MountInfo[] => parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
