// The shims of a daemon (runtsd or containerd), found in /proc: processes running a
// containerd-shim-<name>-v2 binary with the daemon's socket as an argument (-address).
import * as fs from 'fs';

/** Pids of the daemon's shims: all, or those started for one task (-id). */
export function shimPids(socket: string, id?: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => /containerd-shim-\w+-v2$/.test(a)) || !argv.includes(socket)) continue;
      if (id === undefined || argv[argv.indexOf('-id') + 1] === id) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
