import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseShimFlags } from '../../../src/shim/flags';
import { groupIdOf, shimSocketAddress } from '../../../src/shim/address';
import { encodeDeleteResponse } from '../../../src/shim/delete-response';
import { taskType } from '../../../src/foundation/protos/shim';

describe('shim flags', () => {
  it('parses containerd\'s start invocation (Go flag syntax)', () => {
    expect(parseShimFlags(['-namespace', 'ns', '-address', '/run/c.sock', '-publish-binary', '/usr/bin/containerd', '-id', 'c1', '-debug', 'start'])).toMatchObject({
      namespace: 'ns',
      address: '/run/c.sock',
      publishBinary: '/usr/bin/containerd',
      id: 'c1',
      debug: true,
      action: 'start',
    });
  });

  it('accepts -name=value, --name and the delete action with -bundle', () => {
    expect(parseShimFlags(['--namespace=ns', '-id=c1', '-bundle', '/b', '-debug=false', 'delete'])).toMatchObject({
      namespace: 'ns',
      id: 'c1',
      bundle: '/b',
      debug: false,
      action: 'delete',
    });
  });

  it('rejects unknown flags, missing values, unknown actions and a missing namespace', () => {
    expect(() => parseShimFlags(['-namespace', 'ns', '-id', 'c', '-bogus', 'start'])).toThrow('flag provided but not defined: -bogus');
    expect(() => parseShimFlags(['-namespace'])).toThrow('flag needs an argument: -namespace');
    expect(() => parseShimFlags(['-namespace', 'ns', '-id', 'c', 'stop'])).toThrow('unknown action stop');
    expect(() => parseShimFlags(['-id', 'c', 'start'])).toThrow('shim namespace cannot be empty');
    expect(() => parseShimFlags(['-namespace', 'ns', '-id', 'c'])).toThrow('no action given (want start or delete)');
  });

  it('takes -v as the version request whatever the action', () => {
    expect(parseShimFlags(['-v']).action).toBe('version');
    expect(parseShimFlags(['-v', 'start']).action).toBe('version');
  });
});

describe('shim socket address', () => {
  it('hashes "<address>/<namespace>/<group>" into /run/containerd/s', () => {
    // sha256("/run/containerd/containerd.sock/default/c1")
    expect(shimSocketAddress('/run/containerd/containerd.sock', 'default', 'c1')).toBe(
      'unix:///run/containerd/s/d25aa4ef11a84e954e74a5bcff06557d0b6ea8d0c00243896f29826694bbd888',
    );
    expect(shimSocketAddress('/a//b/', 'ns', 'x')).toBe(shimSocketAddress('/a/b', 'ns', 'x'));
  });

  it('groups by the sandbox annotation and falls back to the container id', () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bundle-'));
    try {
      expect(groupIdOf(bundle, 'c1')).toBe('c1');
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ annotations: { 'io.kubernetes.cri.sandbox-id': 'pod1' } }));
      expect(groupIdOf(bundle, 'c2')).toBe('pod1');
      // containerd's runc v2 order: an explicit group puts pods together
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ annotations: { 'io.kubernetes.cri.sandbox-id': 'pod1', 'io.containerd.runc.v2.group': 'g' } }));
      expect(groupIdOf(bundle, 'c2')).toBe('g');
    } finally {
      fs.rmSync(bundle, { recursive: true, force: true });
    }
  });
});

describe('DeleteResponse written without the .proto files', () => {
  it('encodes exactly what the codec encodes', () => {
    const at = new Date(1700000000123);
    const expected = taskType('DeleteResponse').encode({ pid: 42, exitStatus: 137, exitedAt: { seconds: 1700000000, nanos: 123000000 } });
    expect(encodeDeleteResponse(42, 137, at)).toEqual(expected);
    expect(taskType('DeleteResponse').decode(encodeDeleteResponse(0, 0, at))).toMatchObject({ pid: 0, exitStatus: 0, exitedAt: { seconds: 1700000000 } });
  });
});
