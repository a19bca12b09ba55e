// runtsd killed (SIGKILL) or stopped (SIGTERM) while tasks run: the restarted daemon reconnects
// to every live shim (tasks stay manageable, one that exited meanwhile reports its real status)
// and cleans up after a shim that died, with the shim binary's `delete`, and after a task whose
// container record is gone.
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { call, meta } from './grpc-client';
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';
import { watchCtrEvents } from '../../helpers/ctr-events';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd task tests skipped: ${skip}`);

const taskPid = (env: TaskEnv, id: string) => Number(new RegExp(`^${id}\\s+(\\d+)`, 'm').exec(env.ctr(['tasks', 'ls']).stdout)?.[1]);

describeIfPossible('runtsd restarted while tasks run', () => {
  jest.setTimeout(45000);
  let env: TaskEnv;

  beforeAll(async () => {
    env = await startTaskEnv('restart');
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('takes back live shims, reports exits that happened meanwhile, cleans up dead shims', async () => {
    const run = (runtime: string, id: string, ...cmd: string[]) =>
      expect(env.ctr(['run', '-d', '--runtime', `io.containerd.${runtime}.v2`, IMAGE, id, ...cmd]).status).toBe(0);
    run('runts', 'live-runts', 'sleep', '300');
    run('runc', 'live-runc', 'sleep', '300');
    run('runts', 'exits', 'sh', '-c', 'sleep 1; exit 7');
    run('runts', 'orphan', 'sleep', '300');
    const orphanPid = taskPid(env, 'orphan');
    const shimsBefore = env.shimPids();
    expect(shimsBefore).toHaveLength(4);
    const [orphanShim] = env.shimPids('orphan');
    expect(orphanShim).toBeDefined();

    expect(await env.daemon.kill('SIGKILL')).toBe(-1);
    process.kill(orphanShim, 'SIGKILL');
    await waitFor(() => !env.shimPids().includes(orphanShim), 'the orphan shim to die');
    await new Promise((r) => setTimeout(r, 1200)); // `exits` ends while the daemon is down
    await env.daemon.restart();

    const tasks = env.ctr(['tasks', 'ls']).stdout;
    expect(tasks).toMatch(/live-runts\s+\d+\s+RUNNING/);
    expect(tasks).toMatch(/live-runc\s+\d+\s+RUNNING/);
    expect(tasks).toMatch(/exits\s+\d+\s+STOPPED/);
    expect(tasks).not.toMatch(/orphan/);
    // the dead shim's `delete` removed its container too
    await waitFor(() => !fs.existsSync(`/proc/${orphanPid}`), 'the orphan container to be gone');
    expect(env.leftovers('orphan')).toEqual([]);

    const exec = env.ctr(['tasks', 'exec', '--exec-id', 'after', 'live-runts', 'echo', 'still here']);
    expect(exec.stdout).toBe('still here\n');
    const exited = env.ctr(['tasks', 'delete', 'exits']);
    expect(exited.status).toBe(0);
    expect(exited.stderr).toMatch(/exit code 7/);
    for (const id of ['live-runts', 'live-runc']) {
      expect(env.ctr(['tasks', 'kill', '-s', 'KILL', id]).status).toBe(0);
      await waitFor(() => new RegExp(`${id}\\s+\\d+\\s+STOPPED`).test(env.ctr(['tasks', 'ls']).stdout), `${id} STOPPED`);
      expect(env.ctr(['tasks', 'delete', id]).status).toBe(0);
    }
    for (const id of ['live-runts', 'live-runc', 'exits', 'orphan']) {
      expect(env.ctr(['containers', 'delete', id]).status).toBe(0);
      await waitFor(() => env.leftovers(id).length === 0, `no leftovers of ${id} (${env.leftovers(id).join(', ')})`);
    }
  });

  it('cleans up after a shim killed under a running daemon and publishes the task exit', async () => {
    const events = await watchCtrEvents(env.daemon.socket);
    try {
      expect(env.ctr(['run', '-d', '--runtime', 'io.containerd.runts.v2', IMAGE, 'victim', 'sleep', '300']).status).toBe(0);
      const pid = taskPid(env, 'victim');
      const [shim] = env.shimPids('victim');
      process.kill(shim, 'SIGKILL');
      await waitFor(() => events.text().includes('/tasks/delete'), '/tasks/delete after the shim died');
      expect(events.text()).toMatch(/\/tasks\/exit \{"container_id":"victim","id":"victim"/);
      expect(env.ctr(['tasks', 'ls', '-q']).stdout).not.toMatch(/victim/);
      await waitFor(() => !fs.existsSync(`/proc/${pid}`), 'the container of the dead shim to be gone');
      expect(env.ctr(['containers', 'delete', 'victim']).status).toBe(0);
      await waitFor(() => env.leftovers('victim').length === 0, `no leftovers (${env.leftovers('victim').join(', ')})`);
    } finally {
      events.stop();
    }
  });

  it('leaves shims running when stopped with SIGTERM and takes them back on start', async () => {
    expect(env.ctr(['run', '-d', '--runtime', 'io.containerd.runc.v2', IMAGE, 'calm', 'sleep', '300']).status).toBe(0);
    const [shim] = env.shimPids('calm');
    await env.daemon.restart();
    expect(env.shimPids('calm')).toEqual([shim]);
    expect(env.ctr(['tasks', 'ls']).stdout).toMatch(/calm\s+\d+\s+RUNNING/);
    expect(env.ctr(['tasks', 'exec', '--exec-id', 'e', 'calm', 'echo', 'back']).stdout).toBe('back\n');
    expect(env.ctr(['tasks', 'kill', '-s', 'KILL', 'calm']).status).toBe(0);
    await waitFor(() => /calm\s+\d+\s+STOPPED/.test(env.ctr(['tasks', 'ls']).stdout), 'calm STOPPED');
    expect(env.ctr(['tasks', 'delete', 'calm']).status).toBe(0);
    expect(env.ctr(['containers', 'delete', 'calm']).status).toBe(0);
    await waitFor(() => env.leftovers('calm').length === 0, `no leftovers (${env.leftovers('calm').join(', ')})`);
  });

  it('removes, on start, a task whose container record was deleted behind its back', async () => {
    expect(env.ctr(['run', '-d', '--runtime', 'io.containerd.runc.v2', IMAGE, 'ownerless', 'sleep', '300']).status).toBe(0);
    const pid = taskPid(env, 'ownerless');
    // ctr refuses to delete a container with a task; the API does not
    const def = protoLoader.loadSync('containerd/services/containers/v1/containers.proto', {
      keepCase: true, defaults: true, includeDirs: [path.resolve(__dirname, '../../../proto')],
    });
    const pkg = grpc.loadPackageDefinition(def) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const containers = new pkg.containerd.services.containers.v1.Containers(`unix://${env.daemon.socket}`, grpc.credentials.createInsecure());
    try {
      await call(containers, 'Delete', { id: 'ownerless' }, meta(env.namespace));
    } finally {
      containers.close();
    }
    await env.daemon.restart();
    expect(env.ctr(['tasks', 'ls', '-q']).stdout).not.toMatch(/ownerless/);
    await waitFor(() => !fs.existsSync(`/proc/${pid}`), 'the ownerless task to be killed');
    await waitFor(() => env.leftovers('ownerless').length === 0, `no leftovers (${env.leftovers('ownerless').join(', ')})`);
  });
});
