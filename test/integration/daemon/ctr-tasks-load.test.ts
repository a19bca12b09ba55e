// Concurrent clients running `ctr run --rm` cycles (create, start, wait, delete) against one
// runtsd through both shims: every cycle succeeds, and nothing leaks: no shim, bundle, mount or
// cgroup left, runtsd's open files back to where they were, its RSS no longer growing after the
// first half (V8 takes 20-40 s of this load to reach its plateau: about 135 MB for 20 clients with
// bin/runtsd's 1 MB young generation, 250-300 MB without it; a leak keeps growing with the cycles).
// RUNTSD_LOAD_CLIENTS (default 20) clients for RUNTSD_LOAD_SECONDS (default 60) s.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';

const CLIENTS = Number(process.env.RUNTSD_LOAD_CLIENTS ?? 20);
const SECONDS = Number(process.env.RUNTSD_LOAD_SECONDS ?? 60);
const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd load test skipped: ${skip}`);

function ctrAsync(env: TaskEnv, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ctr', ['-a', env.daemon.socket, '-n', env.namespace, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const openFiles = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describeIfPossible('runtsd under concurrent run cycles', () => {
  jest.setTimeout((SECONDS + 40) * 1000);
  let env: TaskEnv;

  beforeAll(async () => {
    env = await startTaskEnv('load');
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it(`${CLIENTS} clients for ${SECONDS} s: every cycle succeeds, nothing leaks`, async () => {
    const runtimes = ['io.containerd.runc.v2', 'io.containerd.runts.v2'];
    // warm-up: the first run of each shim loads what later ones reuse
    for (const runtime of runtimes) {
      expect((await ctrAsync(env, ['run', '--rm', '--runtime', runtime, IMAGE, `warm-${runtime.split('.')[2]}`, 'true'])).status).toBe(0);
    }
    const pid = env.daemon.process.pid!;
    const filesBefore = openFiles(pid);
    const rssBefore = rssKb(pid);

    const deadline = Date.now() + SECONDS * 1000;
    let rssHalf = 0;
    const sampler = setTimeout(() => { rssHalf = rssKb(pid); }, (SECONDS * 1000) / 2);
    const failures: string[] = [];
    const cycles: number[] = [];
    await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
      // two clients in three use the runc shim: the runts shim costs more CPU per start
      const runtime = runtimes[client % 3 === 2 ? 1 : 0];
      let n = 0;
      while (Date.now() < deadline) {
        const id = `load-${client}-${n}`;
        const r = await ctrAsync(env, ['run', '--rm', '--runtime', runtime, IMAGE, id, 'echo', id]);
        if (r.status !== 0 || r.stdout !== `${id}\n`) failures.push(`${id} (${runtime}): exit ${r.status}: ${r.stderr.trim()}`);
        n++;
      }
      cycles.push(n);
    }));
    clearTimeout(sampler);
    const total = cycles.reduce((a, b) => a + b, 0);
    const rssEnd = rssKb(pid);
    console.log(`runtsd load: ${total} run cycles by ${CLIENTS} clients in ${SECONDS} s; runtsd RSS ${rssBefore} -> ${rssHalf} (at ${Math.round(SECONDS / 2)} s) -> ${rssEnd} kB, fds ${filesBefore} -> ${openFiles(pid)}`);
    expect(failures).toEqual([]);
    // Stable: a leak grows with the cycles; the heap settling after warm-up does not.
    expect(rssEnd).toBeLessThan(rssHalf * 1.5);
    expect(total).toBeGreaterThan(CLIENTS);

    await waitFor(() => env.shimPids().length === 0, 'every shim to exit');
    const tasksDir = path.join(env.daemon.dir, 'state', 'io.containerd.runtime.v2.task', env.namespace);
    expect(fs.readdirSync(tasksDir)).toEqual([]);
    expect(env.ctr(['containers', 'ls', '-q']).stdout).toBe('');
    const cgroups = fs.readdirSync('/sys/fs/cgroup').filter((h) => h !== 'process_api')
      .flatMap((h) => {
        try {
          return fs.readdirSync(path.join('/sys/fs/cgroup', h, env.namespace), { withFileTypes: true })
            .filter((e) => e.isDirectory()).map((e) => `${h}/${env.namespace}/${e.name}`);
        } catch {
          return [];
        }
      });
    expect(cgroups).toEqual([]);
    expect(env.leftovers('load-0-0')).toEqual([]);
    await waitFor(() => openFiles(pid) <= filesBefore, `runtsd's open files back to ${filesBefore} (now ${openFiles(pid)})`);
  });
});
