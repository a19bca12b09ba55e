// runtsd's services called from inside runtsd: the same handlers and the same encoding both ways
// as over the socket (so the caller sees the message shapes a socket client sees), status errors
// with their codes, and the socket still used for what is not registered.
import * as grpc from '@grpc/grpc-js';
import { Client, DaemonError } from '../../../src/client/client';
import { InProcessCalls } from '../../../src/daemon/in-process';
import { serviceDefinition } from '../../../src/foundation/protos/services';

const VERSION = serviceDefinition('containerd/services/version/v1/version.proto', 'containerd.services.version.v1.Version');

function calls(handler: grpc.handleUnaryCall<unknown, unknown>): InProcessCalls {
  const local = new InProcessCalls();
  local.add(VERSION, { Version: handler });
  return local;
}

test('a unary call runs the handler with the decoded request and the metadata, and decodes the reply', async () => {
  let namespace: unknown;
  const local = calls((call, callback) => {
    namespace = call.metadata.get('containerd-namespace')[0];
    callback(null, { version: '1.6.0-runts', revision: 'abc' });
  });
  const client = new Client('/nonexistent.sock', 'k8s.io', '', local);
  await expect(client.unary('version', 'Version', {})).resolves.toEqual({ version: '1.6.0-runts', revision: 'abc' });
  expect(namespace).toBe('k8s.io');
});

test('a status error reaches the caller as from the socket: its code and details', async () => {
  const local = calls((_call, callback) => callback({ code: grpc.status.NOT_FOUND, details: 'no such thing' }));
  const client = new Client('/nonexistent.sock', 'k8s.io', '', local);
  const err = await client.unary('version', 'Version', {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DaemonError);
  expect(err).toMatchObject({ code: 'NOT_FOUND', details: 'no such thing' });
});

test('a service not registered goes over the socket', async () => {
  const client = new Client('/nonexistent-runts-test.sock', 'k8s.io', '', calls((_c, cb) => cb(null, {})));
  try {
    await expect(client.unary('images', 'List', {})).rejects.toThrow(/cannot reach runtsd/);
  } finally {
    client.close();
  }
});
