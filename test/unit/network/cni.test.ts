// Pure parts of the CNI library: config lists, per-plugin stdin, plugin errors, versions,
// published ports, the address in a result.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNetwork, parseConfList } from '../../../src/network/cni/config';
import { pluginConf, cniArgsString } from '../../../src/network/cni/plugin-conf';
import { pluginFailure } from '../../../src/network/cni/exec';
import { formatPort, parsePublish, portsClash } from '../../../src/network/ports';
import { cachedAddress, containerAddress } from '../../../src/network/attach';
import { Cni, versionAtLeast } from '../../../src/network/cni/cni';
import { NetnsDir } from '../../../src/network/netns';

const LIST = JSON.stringify({
  cniVersion: '1.0.0',
  name: 'net1',
  plugins: [
    { type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
});

describe('config lists', () => {
  test('a conflist keeps its bytes and plugins', () => {
    const l = parseConfList(LIST, '/d/10-net1.conflist');
    expect(l.name).toBe('net1');
    expect(l.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(l.bytes).toBe(LIST);
  });

  test('a single-plugin .conf becomes a list of one', () => {
    const l = parseConfList(JSON.stringify({ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }), '/d/99-lo.conf');
    expect(l.plugins).toEqual([{ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }]);
    expect(parseConfList(l.bytes, 'again.conflist').plugins[0].type).toBe('loopback');
  });

  test.each([
    ['{', /not valid JSON/],
    ['[]', /not a JSON object/],
    ['{"cniVersion":"1.0.0","plugins":[{"type":"x"}]}', /no network "name"/],
    ['{"name":"n","plugins":[{"type":"x"}]}', /no "cniVersion"/],
    ['{"name":"n","cniVersion":"1.0.0","plugins":[]}', /no "plugins"/],
    ['{"name":"n","cniVersion":"1.0.0","plugins":[{"type":"../x"}]}', /plugin 0 has no valid "type"/],
  ])('broken config %s is one clear error naming the file', (text, why) => {
    expect(() => parseConfList(text, '/d/f.conflist')).toThrow(why);
    expect(() => parseConfList(text, '/d/f.conflist')).toThrow(/^CNI config \/d\/f\.conflist: /);
  });

  test('lookup by name in a conf dir; a broken file is reported when the name is not found', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-conf-'));
    try {
      fs.writeFileSync(path.join(dir, '10-net1.conflist'), LIST);
      fs.writeFileSync(path.join(dir, '20-broken.conflist'), '{"name":');
      fs.writeFileSync(path.join(dir, 'README'), 'not a config');
      expect(loadNetwork(dir, 'net1').file).toBe(path.join(dir, '10-net1.conflist'));
      expect(() => loadNetwork(dir, 'other')).toThrow(/network other not found in .*20-broken\.conflist: not valid JSON/);
      fs.rmSync(path.join(dir, '20-broken.conflist'));
      expect(() => loadNetwork(dir, 'other')).toThrow(/^network other not found \(no CNI config with that name in /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plugin stdin', () => {
  const list = parseConfList(LIST, 'x.conflist');

  test('name and version from the list, prevResult passed on, capabilities filtered', () => {
    const ports = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }];
    const bridge = pluginConf(list, list.plugins[0], undefined, { portMappings: ports });
    expect(bridge).toEqual({ type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' }, cniVersion: '1.0.0', name: 'net1' });
    const portmap = pluginConf(list, list.plugins[1], { ips: [] }, { portMappings: ports, other: 1 });
    expect(portmap).toEqual({ type: 'portmap', cniVersion: '1.0.0', name: 'net1', prevResult: { ips: [] }, runtimeConfig: { portMappings: ports } });
  });

  test('CNI_ARGS', () => {
    expect(cniArgsString([['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'p']])).toBe('IgnoreUnknown=1;K8S_POD_NAME=p');
  });
});

test('a plugin error object becomes one line with its message', () => {
  const e = pluginFailure('bridge', 'ADD', '{"code":11,"msg":"failed to set bridge addr","details":"could not add IP address"}', '', 1);
  expect(e.message).toBe('CNI plugin bridge failed (ADD): failed to set bridge addr; could not add IP address (code 11)');
  expect(pluginFailure('x', 'DEL', '', 'line1\nboom\n', 2).message).toBe('CNI plugin x failed (DEL): boom');
  expect(pluginFailure('x', 'DEL', '', '', 3).message).toBe('CNI plugin x failed (DEL): exit status 3');
});

test('versions compare numerically', () => {
  expect(versionAtLeast('1.0.0', '0.4.0')).toBe(true);
  expect(versionAtLeast('0.4.0', '0.4.0')).toBe(true);
  expect(versionAtLeast('0.3.1', '0.4.0')).toBe(false);
  expect(versionAtLeast('0.10.0', '0.4.0')).toBe(true);
});

describe('published ports', () => {
  test.each([
    ['8080:80', { hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    ['127.0.0.1:8080:80/udp', { hostIP: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' }],
    ['[::1]:53:53/udp', { hostIP: '::1', hostPort: 53, containerPort: 53, protocol: 'udp' }],
  ])('%s', (spec, want) => expect(parsePublish(spec)).toEqual(want));

  test.each([
    ['80', /a host port is required|expected/],
    [':80', /a host port is required/],
    ['8080:80/sctp', /protocol must be tcp or udp/],
    ['70000:80', /invalid port "70000"/],
    ['a:b', /expected \[IP:\]HOST_PORT/],
  ])('%s is refused', (spec, why) => expect(() => parsePublish(spec)).toThrow(why));

  test('clashes and docker\'s port line', () => {
    const a = parsePublish('8080:80');
    expect(portsClash(a, parsePublish('127.0.0.1:8080:81'))).toBe(true);
    expect(portsClash(a, parsePublish('8080:80/udp'))).toBe(false);
    expect(portsClash(parsePublish('127.0.0.1:8080:80'), parsePublish('127.0.0.2:8080:80'))).toBe(false);
    expect(formatPort(a)).toBe('80/tcp -> 0.0.0.0:8080');
  });
});

test('the container address from a CNI 1.0 result', () => {
  const result = {
    interfaces: [{ name: 'br0', mac: 'aa' }, { name: 'veth1', mac: 'bb' }, { name: 'eth0', mac: 'cc', sandbox: '/run/x' }],
    ips: [{ address: '10.9.0.5/24', gateway: '10.9.0.1', interface: 2 }],
  };
  expect(containerAddress(result)).toEqual({ ip: '10.9.0.5', prefixLength: 24, gateway: '10.9.0.1', mac: 'cc' });
  expect(containerAddress(undefined)).toEqual({ ip: '', prefixLength: 0, gateway: '', mac: '' });
});

test('the address of an attachment comes back from the results cache (a record a crash left without it)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-cni-cache-'));
  try {
    const env = { confDir: dir, cni: new Cni({ cacheDir: dir }), netns: new NetnsDir(path.join(dir, 'netns')) };
    expect(cachedAddress(env, 'pod1', 'net1')).toBeUndefined();
    env.cni.cache.write({
      kind: 'cni_cacheV1', containerId: 'pod1', config: '', ifName: 'eth0', networkName: 'net1', netns: '/x', cniArgs: [], capabilityArgs: {},
      result: { interfaces: [{ name: 'eth0', sandbox: '/x', mac: 'aa' }], ips: [{ address: '10.9.0.7/24', gateway: '10.9.0.1', interface: 0 }] },
    });
    expect(cachedAddress(env, 'pod1', 'net1')).toEqual({ ip: '10.9.0.7', prefixLength: 24, gateway: '10.9.0.1', mac: 'aa' });
    expect(cachedAddress(env, 'pod1', 'net2')).toBeUndefined();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
