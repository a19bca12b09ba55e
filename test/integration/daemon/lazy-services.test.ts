// runtsd registers every service at start but loads the CRI plugin, the pull service (registry
// client, unpacker) and the diff service (layer appliers) on their first call: its debug log
// names each service when it is loaded.
import * as fs from 'fs';
import * as path from 'path';
import { Daemon, startDaemon } from './harness';
import { criCall, criClients } from '../../helpers/cri';

jest.setTimeout(60000);
let daemon: Daemon;

beforeAll(async () => {
  daemon = await startDaemon('lazy');
});

afterAll(async () => {
  await daemon?.stop();
});

const loaded = () => [...daemon.log().matchAll(/msg="loading service" service="([\w-]+)"/g)].map((m) => m[1]);

test('a containerd API call loads neither the CRI, the pull nor the diff service, which are still listed', () => {
  expect(daemon.ctr('version')).toMatch(/Server:/);
  const plugins = daemon.ctr('plugins', 'ls');
  for (const id of ['cri', 'cri-images', 'pull', 'diff']) expect(plugins).toMatch(new RegExp(`io\\.containerd\\.grpc\\.v1\\s+${id}\\s+`));
  expect(loaded()).toEqual([]);
});

test('the first CRI call loads the CRI runtime service and is answered', async () => {
  const cri = criClients(daemon.socket);
  try {
    const version = await criCall(cri.runtime, 'Version', {});
    expect(version.runtime_name).toBeTruthy();
    expect(loaded()).toEqual(['cri']);
    const images = await criCall(cri.images, 'ListImages', {});
    expect(images.images).toEqual([]);
    expect(loaded()).toEqual(['cri', 'cri-images']);
  } finally {
    cri.close();
  }
});

test('what a crashed pull left in staging is removed at start without loading the pull service', async () => {
  const leftover = path.join(daemon.root, 'pull-staging', 'layer-x');
  await daemon.kill('SIGKILL');
  fs.mkdirSync(leftover, { recursive: true });
  await daemon.restart();
  expect(fs.existsSync(leftover)).toBe(false);
  expect(daemon.log().split('\n').filter((l) => l.includes('runtsd serving')).length).toBe(2);
  const sinceRestart = daemon.log().split('runtsd serving').pop() ?? '';
  expect(sinceRestart).not.toMatch(/service="pull"/);
});
