// A call waiting on a task's shim connection when the connection goes: UNAVAILABLE (the shim is
// unreachable), unless runtsd deleted the task meanwhile, when it is NOT_FOUND, as for any call
// on a deleted task. (Seen in cri.js: StopContainer's Wait, sent as the task's exit was handled
// and the task deleted, failed with "connection closed" when runtsd released the connection.)
import * as grpc from '@grpc/grpc-js';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TtrpcServer } from '../../../src/foundation/ttrpc/server';
import { TASK_SERVICE } from '../../../src/foundation/protos/shim';
import { TaskClient } from '../../../src/daemon/shims/task-client';

let dir: string;
let server: TtrpcServer;
let socket: string;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-task-client-'));
  socket = path.join(dir, 'shim.sock');
  server = new TtrpcServer();
  // a shim whose Wait never answers: the task's process still runs
  server.register(TASK_SERVICE, { Wait: () => new Promise<Uint8Array>(() => {}) });
  await server.listen(socket);
});

afterEach(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const codeOf = (p: Promise<unknown>) => p.then(() => 'answered', (err: { code: number }) => err.code);

test('a waiting call fails UNAVAILABLE when the connection goes', async () => {
  const client = await TaskClient.connect(socket);
  const wait = codeOf(client.call('Wait', { id: 'c1' }));
  await new Promise((r) => setTimeout(r, 50));
  client.close();
  expect(await wait).toBe(grpc.status.UNAVAILABLE);
});

test('a waiting call fails NOT_FOUND when the task was deleted, whichever side closes', async () => {
  const closedHere = await TaskClient.connect(socket);
  const waitHere = codeOf(closedHere.call('Wait', { id: 'c1' }));
  const closedThere = await TaskClient.connect(socket);
  const waitThere = codeOf(closedThere.call('Wait', { id: 'c2' }));
  await new Promise((r) => setTimeout(r, 50));
  closedHere.markDeleted('task c1 not found: deleted');
  closedThere.markDeleted('task c2 not found: deleted');
  closedHere.close();
  // the shim exits
  await server.close();
  expect(await waitHere).toBe(grpc.status.NOT_FOUND);
  expect(await waitThere).toBe(grpc.status.NOT_FOUND);
  closedThere.close();
});
