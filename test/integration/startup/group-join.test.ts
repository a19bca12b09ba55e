// A `start` whose group's shim is already listening is answered by the launcher alone: the same
// address the TypeScript shim derives, the bundle's address file, and no Node process at all.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { shimSocketAddress } from '../../../src/shim/address';
import { endStandbys, missingPrerequisite, SHIM_BIN, shutDownShims } from '../shim/private-containerd';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;

describeIfPossible('the shim launcher joins a running group without Node', () => {
  let dir: string;
  const namespace = `runts-startup-join-${process.pid}`;
  const sockets = new Set<string>();

  /** A shim invocation; `nodeStarted` says whether any Node process ran for it. */
  const shim = (bundle: string, id: string, opts: { address?: string; input?: Buffer } = {}) => {
    const report = path.join(dir, `node-started-${id}`);
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(probe, 'require("fs").appendFileSync(process.env.PROBE_REPORT, "node\\n");');
    const r = spawnSync(
      SHIM_BIN,
      ['-namespace', namespace, '-address', opts.address ?? path.join(dir, 'containerd.sock'), '-publish-binary', '/usr/bin/containerd', '-id', id, 'start'],
      { cwd: bundle, encoding: 'buffer', input: opts.input ?? Buffer.alloc(0), timeout: 15000, env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_REPORT: report } },
    );
    const address = r.stdout.toString();
    if (r.status === 0) sockets.add(address);
    return { status: r.status, address, stderr: r.stderr.toString(), nodeStarted: fs.existsSync(report) };
  };
  const bundle = (name: string, annotations: Record<string, string> = {}) => {
    const b = path.join(dir, name);
    fs.mkdirSync(path.join(b, 'rootfs'), { recursive: true });
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { args: ['sh', '-c', 'a "quoted" \\\\ arg'] }, annotations }, null, 1));
    return b;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-startup-join-'));
  });

  afterEach(async () => {
    // starts in a row leave a standby shim (and its marker) behind
    await endStandbys(path.join(dir, 'containerd.sock'));
    await shutDownShims(sockets);
    sockets.clear();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a second container of a sandbox gets the running shim\'s address and address file, and no Node', () => {
    const first = shim(bundle('b1', { 'io.kubernetes.cri.sandbox-id': 'pod1' }), 'c1');
    expect(first).toMatchObject({ status: 0, stderr: '', nodeStarted: true });
    expect(first.address).toBe(shimSocketAddress(path.join(dir, 'containerd.sock'), namespace, 'pod1'));
    const b2 = bundle('b2', { other: 'x', 'io.kubernetes.cri.sandbox-id': 'pod1' });
    const second = shim(b2, 'c2');
    expect(second).toEqual({ status: 0, address: first.address, stderr: '', nodeStarted: false });
    expect(fs.readFileSync(path.join(b2, 'address'), 'utf8')).toBe(first.address);
    // the other grouping annotation, and an address spelled differently (path.posix.join's rules)
    const third = shim(bundle('b3', { 'io.containerd.runc.v2.group': 'pod1' }), 'c3', { address: `${dir}//x/../containerd.sock` });
    expect(third).toEqual({ status: 0, address: first.address, stderr: '', nodeStarted: false });
    // containerd's runc v2 order: the explicit group before the sandbox id (pods sharing a shim)
    const fourth = shim(bundle('b4', { 'io.kubernetes.cri.sandbox-id': 'pod2', 'io.containerd.runc.v2.group': 'pod1' }), 'c4');
    expect(fourth).toEqual({ status: 0, address: first.address, stderr: '', nodeStarted: false });
  });

  it('a container of no running group still starts its own shim through Node', () => {
    shim(bundle('b1', { 'io.kubernetes.cri.sandbox-id': 'pod1' }), 'c1');
    const alone = shim(bundle('b2'), 'c2');
    expect(alone).toMatchObject({ status: 0, stderr: '', nodeStarted: true });
    expect(alone.address).toBe(shimSocketAddress(path.join(dir, 'containerd.sock'), namespace, 'c2'));
  });

  it('runtime options on stdin go to the TypeScript shim unchanged, even for a running group', () => {
    shim(bundle('b1', { 'io.kubernetes.cri.sandbox-id': 'pod1' }), 'c1');
    const failed = shim(bundle('b2', { 'io.kubernetes.cri.sandbox-id': 'pod1' }), 'c2', { input: Buffer.from('not runtime options') });
    expect(failed.status).toBe(1);
    expect(failed.nodeStarted).toBe(true);
    expect(failed.stderr).toMatch(/^containerd-shim-runts-v2: runtime options on stdin: [^\n]+\n$/);
  });
});
