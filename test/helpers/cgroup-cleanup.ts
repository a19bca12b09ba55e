// Removes a cgroup parent a test created (and its empty children) from every hierarchy; releases
// what a failed test left in one (thawed, its processes killed).
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

/** The pids in cgroup `cg` of hierarchy `h`, one a line ('' when empty). */
export const procsOf = (h: string, cg: string) => fs.readFileSync(path.join('/sys/fs/cgroup', h, cg, 'cgroup.procs'), 'utf8').trim();

/** Whatever a test left in a cgroup: thawed, its processes killed, its directories removed. */
export function releaseCgroup(rel: string): void {
  const freezer = path.join('/sys/fs/cgroup/freezer', rel);
  if (fs.existsSync(freezer)) {
    fs.writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED');
    for (const pid of procsOf('freezer', rel).split('\n').filter(Boolean)) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
    const deadline = Date.now() + 2000;
    while (procsOf('freezer', rel) !== '' && Date.now() < deadline);
  }
  removeCgroupTree(rel);
}
