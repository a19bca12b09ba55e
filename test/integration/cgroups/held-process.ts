// A real child process that waits on its stdin before running its command, so a test can put it
// in a cgroup first (as runts-init waits for its parent).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import type { CgroupManager } from '../../../src/cgroups';

export interface HeldProcess {
  pid: number;
  child: ChildProcess;
  output(): string;
  release(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnHeld(script: string): HeldProcess {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    child,
    output: () => out,
    release: () => child.stdin!.write('go\n'),
    exited,
  };
}

/** Kills a test process by pid if it still runs, and waits for it. */
export async function killHeld(p: HeldProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  await p.exited;
}

/** utime+stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true or `ms` passes. */
export async function waitFor(check: () => boolean, ms = 3000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/**
 * Freezes `m` while `p` spins inside it: the loop gets no CPU while frozen and runs again after
 * thaw. `checkFrozenFiles` asserts the hierarchy's own frozen marker.
 */
export async function expectFreezeStopsLoop(m: CgroupManager, p: HeldProcess, checkFrozenFiles: () => void): Promise<void> {
  m.addProcess(p.pid);
  p.release();
  await sleep(100);
  m.freeze();
  expect(m.state()).toBe('frozen');
  checkFrozenFiles();
  const frozenAt = cpuTicks(p.pid);
  await sleep(300);
  expect(cpuTicks(p.pid)).toBe(frozenAt);
  m.thaw();
  expect(m.state()).toBe('thawed');
  expect(await waitFor(() => cpuTicks(p.pid) > frozenAt + 2)).toBe(true);
}
