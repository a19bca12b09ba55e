// kubelet's sequence against runtsd's CRI from a client written against the CRI proto: a pod
// whose two containers share a volume and the network (one serves HTTP, the other fetches it
// over localhost and reads the file the first wrote), container events streamed along, exec,
// stats; then security contexts (user, read-only rootfs, capabilities, seccomp).
import * as fs from 'fs';
import * as path from 'path';
import { CriEnv, IMAGE, criCall, criClients, podConfig, startCri } from '../../helpers/cri';
import { INDEX_HTML, buildHttpdImage } from '../../helpers/httpd-image';
import { shimPids } from '../../helpers/shim-pids';
import { MetadataStore, scopedKey } from '../../../src/metadata/store';
import { CRI_NAMESPACE } from '../../../src/daemon/cri/store';

/* eslint-disable @typescript-eslint/no-explicit-any */
let env: CriEnv;
let runtime: any;
jest.setTimeout(90000);

beforeAll(async () => {
  env = await startCri('cg', undefined);
  runtime = env.cri.runtime;
});

afterAll(async () => {
  await env?.cleanup();
});

const call = (method: string, request: object) => criCall(runtime, method, request);
const exec = async (id: string, cmd: string[]) => {
  const r = await call('ExecSync', { container_id: id, cmd, timeout: 10 });
  return { out: r.stdout.toString(), err: r.stderr.toString(), code: r.exit_code };
};

async function runContainer(pod: string, sandboxConfig: object, config: object): Promise<string> {
  const { container_id: id } = await call('CreateContainer', { pod_sandbox_id: pod, config, sandbox_config: sandboxConfig });
  await call('StartContainer', { container_id: id });
  return id;
}

test('a pod of two containers sharing a volume and the network, with its events', async () => {
  const events: { id: string; type: string; containers: number }[] = [];
  const stream = runtime.GetContainerEvents({});
  stream.on('data', (e: any) => events.push({ id: e.container_id, type: e.container_event_type, containers: e.containers_statuses.length }));
  stream.on('error', () => undefined);

  const volume = path.join(env.net.dir, 'shared-volume');
  fs.mkdirSync(volume);
  const config = podConfig('pair', path.join(env.net.dir, 'logs'));
  const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
  const mounts = [{ container_path: '/shared', host_path: volume }];
  const server = await runContainer(pod, config, {
    metadata: { name: 'server' }, image: { image: IMAGE }, mounts, log_path: 'server.log',
    command: ['sh', '-c', 'echo from-server > /shared/note; exec httpd -f -p 8080 -h /www'],
  });
  const client = await runContainer(pod, config, {
    metadata: { name: 'client' }, image: { image: IMAGE }, mounts, command: ['sleep', '600'],
  });
  let page = '';
  for (let i = 0; i < 50 && page !== INDEX_HTML; i++) {
    page = (await exec(client, ['wget', '-qO-', 'http://localhost:8080/'])).out;
    if (page !== INDEX_HTML) await new Promise((r) => setTimeout(r, 100));
  }
  expect(page).toBe(INDEX_HTML);
  expect((await exec(client, ['cat', '/shared/note'])).out).toBe('from-server\n');
  expect(fs.readFileSync(path.join(volume, 'note'), 'utf8')).toBe('from-server\n');

  const { containers } = await call('ListContainers', { filter: { pod_sandbox_id: pod, state: { state: 'CONTAINER_RUNNING' } } });
  expect(containers.map((c: any) => c.metadata.name).sort()).toEqual(['client', 'server']);
  const { stats } = await call('ListContainerStats', { filter: { pod_sandbox_id: pod } });
  expect(stats).toHaveLength(2);

  await call('StopContainer', { container_id: server, timeout: 2 });
  const status = (await call('ContainerStatus', { container_id: server })).status;
  expect(status.state).toBe('CONTAINER_EXITED');
  await call('StopPodSandbox', { pod_sandbox_id: pod });
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
  await new Promise((r) => setTimeout(r, 300));
  stream.cancel();

  const mine = events.filter((e) => [pod, server, client].includes(e.id)).map((e) => `${e.id === pod ? 'pod' : e.id === server ? 'server' : 'client'} ${e.type}`);
  expect(mine).toEqual(expect.arrayContaining([
    'pod CONTAINER_CREATED_EVENT', 'pod CONTAINER_STARTED_EVENT',
    'server CONTAINER_CREATED_EVENT', 'server CONTAINER_STARTED_EVENT', 'client CONTAINER_STARTED_EVENT',
    'server CONTAINER_STOPPED_EVENT', 'client CONTAINER_STOPPED_EVENT', 'pod CONTAINER_STOPPED_EVENT',
    'server CONTAINER_DELETED_EVENT', 'pod CONTAINER_DELETED_EVENT',
  ]));
  expect(mine.indexOf('server CONTAINER_CREATED_EVENT')).toBeLessThan(mine.indexOf('server CONTAINER_STOPPED_EVENT'));
});

test('security contexts: user and groups, read-only rootfs, capabilities, no_new_privs, seccomp', async () => {
  const config = podConfig('secure', '');
  const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
  const base = { image: { image: IMAGE }, command: ['sleep', '600'] };
  const user = await runContainer(pod, config, {
    ...base, metadata: { name: 'user' },
    linux: { security_context: { run_as_user: { value: 1234 }, run_as_group: { value: 99 }, supplemental_groups: [7], readonly_rootfs: true, no_new_privs: true } },
  });
  expect((await exec(user, ['busybox', 'id'])).out.trim()).toBe('uid=1234 gid=99 groups=7');
  expect((await exec(user, ['sh', '-c', 'echo x > /written'])).code).not.toBe(0);
  expect((await exec(user, ['sh', '-c', 'busybox grep NoNewPrivs /proc/self/status'])).out).toMatch(/NoNewPrivs:\s+1/);

  const caps = await runContainer(pod, config, {
    ...base, metadata: { name: 'caps' },
    linux: { security_context: { capabilities: { drop_capabilities: ['ALL'], add_capabilities: ['NET_ADMIN'] } } },
  });
  // CAP_NET_ADMIN is bit 12
  expect((await exec(caps, ['sh', '-c', 'busybox grep CapEff /proc/self/status'])).out).toMatch(/CapEff:\s+0000000000001000/);

  const confined = await runContainer(pod, config, {
    ...base, metadata: { name: 'seccomp' },
    linux: { security_context: { capabilities: { add_capabilities: ['SYS_ADMIN'] }, seccomp: { profile_type: 'RuntimeDefault' } } },
  });
  // unshare(2) is in the default profile's deny list even with CAP_SYS_ADMIN
  const denied = await exec(confined, ['sh', '-c', 'busybox unshare -m true; echo rc=$?']);
  expect(denied.out).toMatch(/rc=[1-9]/);
  const free = await runContainer(pod, config, {
    ...base, metadata: { name: 'unconfined' },
    linux: { security_context: { capabilities: { add_capabilities: ['SYS_ADMIN'] }, seccomp: { profile_type: 'Unconfined' } } },
  });
  expect((await exec(free, ['sh', '-c', 'busybox unshare -m true; echo rc=$?'])).out).toMatch(/rc=0/);
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
});

test("named users: run_as_username and the image's User resolve in the image's /etc/passwd and /etc/group", async () => {
  const named = 'docker.io/library/httpd-users:latest';
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1001:web:/www:/bin/sh\nguest:x:1002:1002::/tmp:/bin/sh\n';
  const group = 'root:x:0:\nweb:x:1001:\nstaff:x:50:web,guest\nguest:x:1002:\n';
  env.daemon.ctr('-n', 'k8s.io', 'images', 'import', buildHttpdImage(fs.mkdtempSync(path.join(env.net.dir, 'users-')), named, { etc: { passwd, group }, user: 'guest' }));
  const config = podConfig('users', '');
  const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
  const base = { image: { image: named }, command: ['sleep', '600'] };
  const web = await runContainer(pod, config, {
    ...base, metadata: { name: 'web' }, linux: { security_context: { run_as_username: 'web', supplemental_groups: [7] } },
  });
  expect((await exec(web, ['busybox', 'id'])).out.trim()).toBe('uid=1000(web) gid=1001(web) groups=7,50(staff)');
  const imageUser = await runContainer(pod, config, { ...base, metadata: { name: 'image-user' } });
  expect((await exec(imageUser, ['busybox', 'id'])).out.trim()).toBe('uid=1002(guest) gid=1002(guest) groups=50(staff)');
  await expect(call('CreateContainer', {
    pod_sandbox_id: pod, sandbox_config: config, config: { ...base, metadata: { name: 'nobody' }, linux: { security_context: { run_as_username: 'nobody' } } },
  })).rejects.toMatchObject({ code: 3, details: expect.stringContaining('run_as_username "nobody": no such user') });
  // the failed create left no container behind
  const { containers } = await call('ListContainers', { filter: { pod_sandbox_id: pod } });
  expect(containers.map((c: any) => c.metadata.name).sort()).toEqual(['image-user', 'web']);
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
});

test('a container that ends while runtsd is down is reported exited with its status after the restart', async () => {
  const config = podConfig('down', path.join(env.net.dir, 'logs'));
  const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
  const id = await runContainer(pod, config, {
    metadata: { name: 'quitter' }, image: { image: IMAGE }, log_path: 'quitter.log',
    command: ['sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 7'],
  });
  const ip = (await call('PodSandboxStatus', { pod_sandbox_id: pod })).status.network.ip;
  expect(ip).toMatch(/^10\./);
  await env.daemon.kill('SIGKILL');
  // as if the kill had come between the pod's record and its network's result: no IP recorded
  forgetPodAddress(pod, ip);
  // the daemon is gone: tell the container to end through its own rootfs view (/proc/<pid>/root)
  const pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('/tmp/go');
    } catch {
      return false;
    }
  });
  expect(pids.length).toBeGreaterThan(0);
  fs.writeFileSync(`/proc/${pids[0]}/root/tmp/go`, '');
  await new Promise((r) => setTimeout(r, 500));
  const logBefore = env.daemon.log().length;
  await env.daemon.restart();
  // containers to recover: the CRI plugin is loaded at start (the socket accepts a moment before
  // runtsd logs that it serves), before any CRI call
  const startLog = () => env.daemon.log().slice(logBefore);
  for (let i = 0; i < 100 && !startLog().includes('msg="runtsd serving"'); i++) await new Promise((r) => setTimeout(r, 50));
  const loadedAt = startLog().indexOf('msg="loading service" service="cri"');
  expect(loadedAt).toBeGreaterThanOrEqual(0);
  expect(loadedAt).toBeLessThan(startLog().indexOf('msg="runtsd serving"'));
  env.cri.close();
  env.cri = criClients(env.daemon.socket);
  runtime = env.cri.runtime;
  const status = (await call('ContainerStatus', { container_id: id })).status;
  expect([status.state, status.exit_code, status.reason]).toEqual(['CONTAINER_EXITED', 7, 'Error']);
  const podStatus = (await call('PodSandboxStatus', { pod_sandbox_id: pod })).status;
  expect([podStatus.state, podStatus.network.ip]).toEqual(['SANDBOX_READY', ip]);
  expect(fs.readFileSync(path.join(sandboxDir(pod), 'hosts'), 'utf8').split('\n').filter((l) => l.startsWith(ip))).toEqual([`${ip}\tdown`]);
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
});

/** The pod's files (hosts, resolv.conf), in the CRI plugin's directory. */
const sandboxDir = (pod: string) => path.join(env.daemon.root, 'io.containerd.grpc.v1.cri', 'sandboxes', pod);

/** With runtsd down: the pod's record without its IP, and its hosts file without the entry. */
function forgetPodAddress(pod: string, ip: string): void {
  const store = MetadataStore.open(env.daemon.root);
  try {
    store.update((t) => {
      const key = scopedKey(CRI_NAMESPACE, pod);
      const record = t.containers.get(key)!;
      const extension = record.extensions['io.runts.cri.metadata'];
      const meta = JSON.parse(Buffer.from(extension.value).toString('utf8'));
      expect(meta.ip).toBe(ip);
      const value = Buffer.from(JSON.stringify({ ...meta, ip: '' }));
      t.containers.putSync(key, { ...record, extensions: { ...record.extensions, 'io.runts.cri.metadata': { ...extension, value } } });
    });
  } finally {
    void store.close();
  }
  const hosts = path.join(sandboxDir(pod), 'hosts');
  fs.writeFileSync(hosts, fs.readFileSync(hosts, 'utf8').split('\n').filter((l) => !l.startsWith(ip)).join('\n'));
}

/** Neither gone nor a zombie (an exited shim waits for init to reap it). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

test('pods share one shim (pods_per_shim), also after kill -9 of runtsd; it stays warm between pods and goes with the daemon', async () => {
  const pods: string[] = [];
  for (const name of ['share-a', 'share-b']) {
    const config = podConfig(name, path.join(env.net.dir, 'logs'));
    const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
    pods.push(pod);
    await runContainer(pod, config, { metadata: { name: 'c' }, image: { image: IMAGE }, command: ['sleep', '600'] });
  }
  const shared = shimPids(env.daemon.socket);
  expect(shared).toHaveLength(1);
  // kill -9 of runtsd: the restarted daemon lists the pods, puts a new one into their shim, removes them all
  await env.daemon.kill('SIGKILL');
  await env.daemon.restart();
  env.cri.close();
  env.cri = criClients(env.daemon.socket);
  runtime = env.cri.runtime;
  const ready = (await call('ListPodSandbox', {})).items.filter((p: any) => pods.includes(p.id)).map((p: any) => p.state);
  expect(ready).toEqual(['SANDBOX_READY', 'SANDBOX_READY']);
  const after = podConfig('share-after-restart', path.join(env.net.dir, 'logs'));
  const { pod_sandbox_id: third } = await call('RunPodSandbox', { config: after });
  pods.push(third);
  expect(shimPids(env.daemon.socket)).toEqual(shared);
  for (const pod of pods) await call('RemovePodSandbox', { pod_sandbox_id: pod });
  expect(shimPids(env.daemon.socket)).toEqual(shared);
  // the next pod goes into the warm shim
  const config = podConfig('share-c', path.join(env.net.dir, 'logs'));
  const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
  expect(shimPids(env.daemon.socket)).toEqual(shared);
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
  await env.daemon.kill('SIGTERM'); // a graceful stop that keeps the daemon's directories
  expect(running(shared[0])).toBe(false);
  await env.daemon.restart();
  env.cri.close();
  env.cri = criClients(env.daemon.socket);
  runtime = env.cri.runtime;
});
