// The esbuild plugins of runtsd's bundle that keep work off its start: grpc-js's server side
// without its client side (which still loads on first use), and the native addons of lmdb and
// msgpackr-extract loaded from the files found at build time. Each bundles a small program and
// runs it on the pinned Node, as bin/runtsd runs the bundle.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';

const repo = path.join(__dirname, '..', '..', '..');
const { grpcServerSide } = require(path.join(repo, 'scripts', 'esbuild-grpc-server-side.js'));
const { prebuiltAddons } = require(path.join(repo, 'scripts', 'esbuild-prebuilt-addons.js'));
const { ownDirname } = require(path.join(repo, 'scripts', 'esbuild-own-dirname.js'));

describe("runtsd bundle's plugins", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-plugins-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Bundles source (resolving its packages from the repository) and runs it. */
  async function bundleAndRun(source: string, plugins: esbuild.Plugin[]): Promise<Record<string, unknown>> {
    const outfile = path.join(dir, 'out.js');
    await esbuild.build({
      stdin: { contents: source, resolveDir: repo }, bundle: true, platform: 'node', format: 'cjs', outfile, plugins: [...plugins, ownDirname], logLevel: 'error',
    });
    return JSON.parse(execFileSync(path.join(repo, 'node_modules', '.bin', 'node'), [outfile], { encoding: 'utf8', cwd: dir }));
  }

  it('serves gRPC without loading the client side, which loads on first use', async () => {
    const result = await bundleAndRun(`
      const loaded = (name) => process.moduleLoadList.includes('NativeModule ' + name);
      const grpc = require('@grpc/grpc-js');
      const server = new grpc.Server();
      server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('k', 'v');
      const atStart = { dns: loaded('dns'), status: grpc.status.NOT_FOUND, metadata: metadata.get('k') };
      const Client = grpc.makeGenericClientConstructor({}, 'Test');
      const client = new Client('unix:///nonexistent', grpc.credentials.createInsecure());
      client.close();
      console.log(JSON.stringify({ atStart, later: { dns: loaded('dns'), client: typeof Client } }));
    `, [grpcServerSide(repo)]);
    expect(result).toEqual({
      atStart: { dns: false, status: 5, metadata: ['v'] },
      later: { dns: true, client: 'function' },
    });
  });

  it("loads lmdb's and msgpackr-extract's addons without searching for them", async () => {
    const result = await bundleAndRun(`
      const { open } = require('lmdb');
      const db = open({ path: ${JSON.stringify(path.join(dir, 'db'))} });
      db.putSync('k', { v: 1 });
      console.log(JSON.stringify({ value: db.get('k'), searched: process.moduleLoadList.includes('NativeModule child_process') }));
      db.close();
    `, [prebuiltAddons(repo)]);
    expect(result).toEqual({ value: { v: 1 }, searched: false });
  });
});
