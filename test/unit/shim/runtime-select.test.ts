import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runcOptionsCodec } from '../../../src/foundation/protos/shim';
import { InProcessRuntime } from '../../../src/shim/in-process-runtime';
import { RuncCliRuntime } from '../../../src/shim/runc-cli-runtime';
import { runtimeFor, runtimeForCleanup, runtimeForCreate } from '../../../src/shim/runtime-select';

describe('runtime selection', () => {
  let bundle: string;
  const saved = { binary: process.env.RUNTS_SHIM_BINARY, root: process.env.RUNTS_SHIM_ROOT };

  beforeEach(() => {
    bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-select-'));
    delete process.env.RUNTS_SHIM_BINARY;
    delete process.env.RUNTS_SHIM_ROOT;
  });

  afterEach(() => {
    fs.rmSync(bundle, { recursive: true, force: true });
    for (const [key, value] of [['RUNTS_SHIM_BINARY', saved.binary], ['RUNTS_SHIM_ROOT', saved.root]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('defaults to the in-process runtime under /run/containerd/runts/<namespace>', () => {
    const runtime = runtimeFor('ns1', null);
    expect(runtime).toBeInstanceOf(InProcessRuntime);
    expect((runtime as InProcessRuntime).root).toBe('/run/containerd/runts/ns1');
  });

  it('drives a runtime binary named by RUNTS_SHIM_BINARY', () => {
    process.env.RUNTS_SHIM_BINARY = 'runc';
    const runtime = runtimeFor('ns1', null) as RuncCliRuntime;
    expect(runtime).toBeInstanceOf(RuncCliRuntime);
    expect([runtime.binary, runtime.root]).toEqual(['runc', '/run/containerd/runts/ns1']);
  });

  it('takes binary_name and root from containerd.runc.v1.Options and remembers them for cleanup', () => {
    const options = { type_url: 'containerd.runc.v1.Options', value: runcOptionsCodec.encode({ binaryName: '/opt/runts', root: '/run/r' }) };
    const created = runtimeForCreate('ns1', bundle, options) as RuncCliRuntime;
    expect([created.binary, created.root]).toEqual(['/opt/runts', '/run/r/ns1']);
    const cleanup = runtimeForCleanup('ns1', bundle) as RuncCliRuntime;
    expect([cleanup.binary, cleanup.root]).toEqual(['/opt/runts', '/run/r/ns1']);
  });

  it('takes binary_name and root from the runts config of runtimeoptions.v1.Options and remembers them for cleanup', () => {
    const config = path.join(bundle, 'runts.toml');
    fs.writeFileSync(config, 'shim_group = "namespace"\nbinary_name = "/opt/runts"\nroot = "/run/r"\n');
    // runtimeoptions.v1.Options { config_path = 2 }
    const value = Buffer.concat([Buffer.from([0x12, config.length]), Buffer.from(config)]);
    const created = runtimeForCreate('ns1', bundle, { type_url: 'runtimeoptions.v1.Options', value }) as RuncCliRuntime;
    expect([created.binary, created.root]).toEqual(['/opt/runts', '/run/r/ns1']);
    fs.rmSync(config);
    const cleanup = runtimeForCleanup('ns1', bundle) as RuncCliRuntime;
    expect([cleanup.binary, cleanup.root]).toEqual(['/opt/runts', '/run/r/ns1']);
  });

  it('rejects options it does not understand', () => {
    expect(() => runtimeFor('ns1', { type_url: 'example.Other', value: Buffer.from([8, 1]) })).toThrow(
      'runtime options of type example.Other are not supported (want containerd.runc.v1.Options or runtimeoptions.v1.Options)',
    );
  });
});
