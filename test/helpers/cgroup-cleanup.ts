// Removes a cgroup parent a test created (and its empty children) from every hierarchy.
import * as fs from 'fs';
import * as path from 'path';

export function removeCgroupTree(rel: string): void {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    if (h === 'process_api') continue;
    const top = path.join('/sys/fs/cgroup', h, rel);
    const walk = (dir: string) => {
      let entries: fs.Dirent[] = [];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
      try { fs.rmdirSync(dir); } catch { /* busy or gone */ }
    };
    walk(top);
  }
}
