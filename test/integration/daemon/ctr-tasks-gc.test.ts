// After tasks ran and their containers and the image are removed, garbage collection leaves
// no snapshot, no content blob and no shim behind.
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd GC test skipped: ${skip}`);

describeIfPossible('runtsd garbage collection after tasks', () => {
  jest.setTimeout(30000);
  let env: TaskEnv;

  beforeAll(async () => {
    env = await startTaskEnv('gc');
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('frees every snapshot and blob once the containers and the image are gone', async () => {
    expect(env.ctr(['run', '--rm', '--runtime', 'io.containerd.runts.v2', IMAGE, 'gc1', 'true']).status).toBe(0);
    expect(env.ctr(['run', '-d', '--runtime', 'io.containerd.runc.v2', IMAGE, 'gc2', 'sleep', '300']).status).toBe(0);
    expect(env.ctr(['snapshots', 'ls']).stdout.trim().split('\n').length).toBeGreaterThan(1);
    env.ctr(['tasks', 'kill', '-s', 'KILL', 'gc2']);
    await waitFor(() => /gc2\s+\d+\s+STOPPED/.test(env.ctr(['tasks', 'ls']).stdout), 'gc2 STOPPED');
    expect(env.ctr(['tasks', 'delete', 'gc2']).status).toBe(0);
    expect(env.ctr(['containers', 'delete', 'gc2']).status).toBe(0);
    expect(env.ctr(['images', 'rm', '--sync', IMAGE]).status).toBe(0);

    const rows = (args: string[]) => env.ctr(args).stdout.trim().split('\n').slice(1).filter(Boolean);
    await waitFor(() => rows(['snapshots', 'ls']).length === 0, `no snapshots (${rows(['snapshots', 'ls']).join('; ')})`);
    await waitFor(() => rows(['content', 'ls']).length === 0, `no content (${rows(['content', 'ls']).join('; ')})`);
    expect(env.shimPids()).toEqual([]);
    expect(env.leftovers('gc1')).toEqual([]);
    expect(env.leftovers('gc2')).toEqual([]);
  });
});
