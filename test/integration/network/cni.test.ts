// The CNI library with Debian's real plugins in namespaces this test makes: two attachments
// on one bridge reach each other, NAT rules exist while attached and go with DEL, DEL works
// from the on-disk cache in a fresh instance and twice, a missing plugin or unknown network
// fails with its message and leaves nothing.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Cni } from '../../../src/network/cni/cni';
import { NetnsDir } from '../../../src/network/netns';
import { NetworkEnv, attachNetwork, detachNetwork, sweepStale } from '../../../src/network/attach';
import { TestNetwork, makeTestNetwork, sh } from '../../helpers/cni-net';

let net: TestNetwork;
let env: NetworkEnv;
const ids = ['cni-a', 'cni-b'].map((s) => `${s}-${process.pid}`);

const freshEnv = (binDirs = ['/usr/lib/cni']): NetworkEnv => ({
  confDir: net.confDir, cni: new Cni({ binDirs, cacheDir: net.cacheDir }), netns: new NetnsDir(net.netnsDir),
});

beforeAll(() => {
  net = makeTestNetwork('cni');
  env = freshEnv();
});

afterAll(async () => {
  await sweepStale(freshEnv(), () => false).catch(() => undefined);
  net.cleanup();
});

test('VERSION lists what a plugin speaks', async () => {
  expect(await env.cni.pluginVersions('bridge')).toContain('1.0.0');
});

test('two attachments reach each other; rules live with them; DEL from the cache cleans', async () => {
  const [a, b] = await Promise.all(ids.map((id) => attachNetwork(env, id, net.name, id === ids[0] ? [{ hostPort: 30000 + (process.pid % 20000), containerPort: 80, protocol: 'tcp', hostIP: '' }] : [])));
  expect(a.ip).toMatch(new RegExp(`^${net.subnet.replace(/0\/24$/, '')}\\d+$`));
  expect(a.gateway).toBe(net.gateway);
  expect(a.ip).not.toBe(b.ip);
  const ping = sh('nsenter', [`--net=${a.netns}`, 'busybox', 'ping', '-c', '1', '-W', '2', b.ip]);
  expect(ping.stderr + ping.stdout).toContain('1 packets received');
  expect(sh('nsenter', [`--net=${a.netns}`, 'ip', '-o', 'addr', 'show', 'eth0']).stdout).toContain(`${a.ip}/24`);
  expect(net.bridgePorts()).toHaveLength(2);
  const rules = net.natRules().join('\n');
  expect(rules).toMatch(/MASQUERADE|CNI-/);
  expect(sh('iptables', ['-t', 'nat', '-S']).stdout).toContain(`--dport ${30000 + (process.pid % 20000)}`);

  // CHECK against the cached result passes while it is all there.
  const list = (await import('../../../src/network/cni/config')).loadNetwork(net.confDir, net.name);
  await env.cni.checkNetworkList(list, { containerId: ids[0], netns: a.netns, ifName: 'eth0' });

  // A new instance (as after a restart) deletes from what is on disk; twice is fine.
  const after = freshEnv();
  for (const id of ids) {
    await detachNetwork(after, id, net.name);
    await detachNetwork(after, id, net.name);
  }
  expect(net.bridgePorts()).toEqual([]);
  expect(net.natRules()).toEqual([]);
  expect(sh('iptables', ['-t', 'nat', '-S']).stdout).not.toContain(`--dport ${30000 + (process.pid % 20000)}`);
  expect(fs.readdirSync(net.netnsDir)).toEqual([]);
  expect(fs.readdirSync(path.join(net.cacheDir, 'results'))).toEqual([]);
});

test('a missing plugin: one clear error, no namespace, no veth', async () => {
  const bin = path.join(net.dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const p of ['loopback', 'bridge', 'host-local', 'portmap', 'firewall']) fs.symlinkSync(`/usr/lib/cni/${p}`, path.join(bin, p));
  await expect(attachNetwork(freshEnv([bin]), ids[0], net.name, [])).rejects.toThrow(`CNI plugin tuning not found in ${bin}`);
  expect(fs.readdirSync(net.netnsDir)).toEqual([]);
  expect(net.bridgePorts()).toEqual([]);
});

test('a plugin that fails: its message reaches the caller, the rest is undone', async () => {
  const dir = path.join(net.dir, 'bad.d');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'bad.conflist'), JSON.stringify({
    cniVersion: '1.0.0', name: 'bad',
    plugins: [{ type: 'bridge', bridge: net.bridge, ipam: { type: 'host-local', ranges: [[{ subnet: 'nonsense' }]], dataDir: path.join(net.dir, 'ipam') } }],
  }));
  await expect(attachNetwork({ ...freshEnv(), confDir: dir }, ids[1], 'bad', [])).rejects.toThrow(/^CNI plugin bridge failed \(ADD\): .*nonsense/);
  expect(fs.readdirSync(net.netnsDir)).toEqual([]);
  expect(net.bridgePorts()).toEqual([]);
});

test('an unknown network creates nothing', async () => {
  await expect(attachNetwork(env, ids[0], 'no-such-net', [])).rejects.toThrow(/network no-such-net not found/);
  expect(fs.readdirSync(net.netnsDir)).toEqual([]);
});

test('sweep undoes attachments whose owner is gone and keeps live ones', async () => {
  await attachNetwork(env, ids[0], net.name, []);
  await attachNetwork(env, ids[1], net.name, []);
  expect(await sweepStale(freshEnv(), (id) => id === ids[1])).toEqual({ swept: [ids[0]], failed: [] });
  expect(fs.readdirSync(net.netnsDir)).toEqual([ids[1]]);
  expect(net.bridgePorts()).toHaveLength(1);
  await detachNetwork(env, ids[1], net.name);
  expect(net.bridgePorts()).toEqual([]);
});

test('an ADD cut short by kill -9 (after bridge, in portmap) is undone by the sweep from the cache', async () => {
  // a bin dir whose portmap never answers: the process doing ADD dies while it waits
  const bin = path.join(net.dir, 'slow-bin');
  fs.mkdirSync(bin);
  for (const p of ['loopback', 'bridge', 'host-local', 'firewall', 'tuning']) fs.symlinkSync(`/usr/lib/cni/${p}`, path.join(bin, p));
  fs.writeFileSync(path.join(bin, 'portmap'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
  const id = `cni-cut-${process.pid}`;
  const dist = path.resolve(__dirname, '../../../dist/network');
  const script = `
    const { Cni } = require('${dist}/cni/cni'); const { NetnsDir } = require('${dist}/netns'); const { attachNetwork } = require('${dist}/attach');
    attachNetwork({ confDir: '${net.confDir}', cni: new Cni({ binDirs: ['${bin}'], cacheDir: '${net.cacheDir}' }), netns: new NetnsDir('${net.netnsDir}') },
      '${id}', '${net.name}', [{ hostPort: 31999, containerPort: 80, protocol: 'tcp', hostIP: '' }]);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore', detached: true });
  try {
    // bridge's ADD is over once its masquerade rule is in
    for (let i = 0; i < 100 && net.natRules().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(net.bridgePorts()).toHaveLength(1);
  } finally {
    process.kill(-child.pid!, 'SIGKILL'); // the node process and its sleeping "plugin"
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(fs.readdirSync(net.netnsDir)).toEqual([id]);
  expect(net.natRules()).not.toEqual([]);
  expect(await sweepStale(freshEnv(), () => false)).toEqual({ swept: [id], failed: [] });
  expect(net.bridgePorts()).toEqual([]);
  expect(net.natRules()).toEqual([]);
  expect(fs.readdirSync(net.netnsDir)).toEqual([]);
  expect(fs.readdirSync(path.join(net.cacheDir, 'results'))).toEqual([]);
});
