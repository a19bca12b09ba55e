// The Tasks service called directly over gRPC, for what ctr never sends: bad arguments and the
// exact status codes they get, Update (ctr has no command for it), Wait before and after Kill.
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { call, Client, meta } from './grpc-client';
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd gRPC task tests skipped: ${skip}`);

function tasksClient(socket: string): Client {
  const def = protoLoader.loadSync('containerd/services/tasks/v1/tasks.proto', {
    keepCase: true, longs: Number, enums: String, defaults: true, includeDirs: [path.resolve(__dirname, '../../../proto')],
  });
  const pkg = grpc.loadPackageDefinition(def) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  return new pkg.containerd.services.tasks.v1.Tasks(`unix://${socket}`, grpc.credentials.createInsecure());
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'OK', (err: grpc.ServiceError) => `${grpc.status[err.code]}: ${err.details}`);

describeIfPossible.each([
  ['io.containerd.runts.v2'],
  ['io.containerd.runc.v2'],
])('the Tasks service over gRPC with runtime %s', (runtime) => {
  jest.setTimeout(30000);
  let env: TaskEnv;
  let tasks: Client;
  const md = () => meta(env.namespace);

  beforeAll(async () => {
    env = await startTaskEnv(`grpc-${runtime.split('.')[2]}`);
    tasks = tasksClient(env.daemon.socket);
    expect(env.ctr(['run', '-d', '--runtime', runtime, IMAGE, 'g1', 'sleep', '300']).status).toBe(0);
  });

  afterAll(async () => {
    tasks?.close();
    await env?.cleanup();
  });

  it('answers with containerd\'s status codes', async () => {
    expect(await codeOf(call(tasks, 'Get', { container_id: 'nosuch' }, md()))).toBe(`NOT_FOUND: task nosuch not found in namespace ${env.namespace}`);
    expect(await codeOf(call(tasks, 'Start', { container_id: 'nosuch' }, md()))).toMatch(/^NOT_FOUND/);
    expect(await codeOf(call(tasks, 'Exec', { container_id: 'g1', exec_id: '' }, md()))).toBe('INVALID_ARGUMENT: exec id cannot be empty');
    expect(await codeOf(call(tasks, 'DeleteProcess', { container_id: 'g1', exec_id: '' }, md()))).toMatch(/^INVALID_ARGUMENT: task g1: DeleteProcess needs an exec id/);
    expect(await codeOf(call(tasks, 'Create', { container_id: 'g1' }, md()))).toBe('ALREADY_EXISTS: task g1: already exists');
    expect(await codeOf(call(tasks, 'Create', { container_id: 'g1', checkpoint: { media_type: 'x', digest: 'sha256:00', size: 1 } }, md())))
      .toBe('UNIMPLEMENTED: task g1: restoring from a checkpoint is not supported by runtsd');
    expect(await codeOf(call(tasks, 'Checkpoint', { container_id: 'g1' }, md()))).toMatch(/^UNIMPLEMENTED/);
    expect(await codeOf(call(tasks, 'Wait', { container_id: 'g1', exec_id: 'nosuch' }, md()))).toMatch(/^NOT_FOUND/);
    expect(await codeOf(call(tasks, 'Get', { container_id: 'g1' }, meta('other-namespace')))).toMatch(/^NOT_FOUND/);
  });

  it('lists the task and applies Update to its cgroup', async () => {
    const { tasks: listed } = await call(tasks, 'List', {}, md());
    expect(listed).toEqual([expect.objectContaining({ id: 'g1', status: 'RUNNING' })]);
    const resources = { memory: { limit: 64 << 20 } };
    await call(tasks, 'Update', {
      container_id: 'g1',
      resources: { type_url: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources', value: Buffer.from(JSON.stringify(resources)) },
    }, md());
    const limit = path.join('/sys/fs/cgroup/memory', env.namespace, 'g1', 'memory.limit_in_bytes');
    expect(fs.readFileSync(limit, 'utf8').trim()).toBe(String(64 << 20));
  });

  it('answers a Wait sent before the Kill with the exit status', async () => {
    const waiting = call(tasks, 'Wait', { container_id: 'g1' }, md());
    await new Promise((r) => setTimeout(r, 200));
    await call(tasks, 'Kill', { container_id: 'g1', signal: 9 }, md());
    const exit = await waiting;
    expect(exit.exit_status).toBe(137);
    expect(exit.exited_at.seconds).toBeGreaterThan(0);
    const deleted = await call(tasks, 'Delete', { container_id: 'g1' }, md());
    expect(deleted).toMatchObject({ id: 'g1', exit_status: 137 });
    expect(await codeOf(call(tasks, 'Get', { container_id: 'g1' }, md()))).toMatch(/^NOT_FOUND/);
    expect(env.ctr(['containers', 'delete', 'g1']).status).toBe(0);
    await waitFor(() => env.leftovers('g1').length === 0, `no leftovers (${env.leftovers('g1').join(', ')})`);
  });
});
