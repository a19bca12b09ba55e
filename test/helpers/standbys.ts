// Finding the standbys (README "Start-up") a test's calls made: each test calls from a context of
// its own, named by RUNTS_TEST_STANDBY_CONTEXT in the environment a standby inherits.
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './bundle';

const SNAPSHOTS = path.join(fs.realpathSync(REPO), 'dist', 'snapshot');
/** The light commands' snapshot and the whole program's (create's standbys). */
export const LIGHT_BLOB = path.join(SNAPSHOTS, 'runts-light.blob');
export const WHOLE_BLOB = path.join(SNAPSHOTS, 'runts.blob');

export const readProc = (pid: number, file: string) => {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
};

export const alive = (pid: number) => readProc(pid, 'stat') !== '' && !/^\d+ \(.*\) Z/.test(readProc(pid, 'stat'));

/** This checkout's standbys from `blob` for env's context: pid and socket. */
export function standbysOf(env: NodeJS.ProcessEnv, blob: string): { pid: number; socket: string }[] {
  const tag = `RUNTS_TEST_STANDBY_CONTEXT=${env.RUNTS_TEST_STANDBY_CONTEXT}`;
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    const argv = readProc(Number(p), 'cmdline').split('\0');
    const at = argv.indexOf('--runts-standby');
    if (at < 0 || !argv.includes(blob) || !readProc(Number(p), 'environ').split('\0').includes(tag)) return [];
    return [{ pid: Number(p), socket: argv[at + 1] }];
  });
}

export async function waitFor<T>(what: string, get: () => T | undefined, ms = 10000): Promise<T> {
  for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 20))) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}
