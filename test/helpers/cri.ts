// A runtsd serving CRI for a test: a private root and socket, a CNI network of the test's own
// (makeTestNetwork) as the pod network, the httpd test image imported into k8s.io, crictl found
// in PATH or ../shared/tools, and a cleanup that removes every pod (so shims, mounts, netns
// pins and CNI state go) before the daemon and the network, and then the /k8s.io cgroup parent
// if the test made it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Daemon, startDaemon } from '../integration/daemon/harness';
import { TestNetwork, makeTestNetwork } from './cni-net';
import { removeCgroupTree } from './cgroup-cleanup';
import { buildHttpdImage } from './httpd-image';

export const IMAGE = 'docker.io/library/httpd-test:latest';
const PODS_PARENT = '/sys/fs/cgroup/memory/k8s.io';

/** crictl from PATH, else the build in ../shared/tools; undefined when neither exists. */
export function findCrictl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, 'crictl');
    if (dir && fs.existsSync(p)) return p;
  }
  // ../shared/tools beside the project (a worktree sits one level deeper)
  const repo = path.resolve(__dirname, '..', '..');
  return [path.resolve(repo, '..', 'shared', 'tools', 'crictl'), path.resolve(repo, '..', '..', 'shared', 'tools', 'crictl')].find((p) => fs.existsSync(p));
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

export interface CriClients {
  runtime: any;
  images: any;
  close(): void;
}

/** grpc-js clients of the CRI services, written against proto/cri. */
export function criClients(socket: string): CriClients {
  const def = protoLoader.loadSync('cri/runtime/v1/api.proto', { keepCase: true, longs: Number, enums: String, defaults: true, includeDirs: [PROTO_DIR] });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const address = `unix://${socket}`;
  const runtime = new pkg.runtime.v1.RuntimeService(address, grpc.credentials.createInsecure());
  const images = new pkg.runtime.v1.ImageService(address, grpc.credentials.createInsecure());
  return { runtime, images, close: () => { runtime.close(); images.close(); } };
}

/** One unary CRI call with a deadline. */
export const criCall = (client: any, method: string, request: object): Promise<any> => new Promise((resolve, reject) => {
  client[method](request, { deadline: Date.now() + 60000 }, (err: grpc.ServiceError | null, res: any) => (err ? reject(err) : resolve(res)));
});

export interface CriEnv {
  daemon: Daemon;
  cri: CriClients;
  net: TestNetwork;
  crictl(...args: string[]): string;
  crictlResult(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Writes a JSON config file in the test dir and returns its path. */
  json(name: string, value: unknown): string;
  cleanup(): Promise<void>;
}

/** criKeys: more lines for the CRI table, e.g. `stream_idle_timeout = "5s"`. */
export async function startCri(tag: string, crictl: string | undefined, criKeys: string[] = []): Promise<CriEnv> {
  const net = makeTestNetwork(tag);
  // pods without a cgroup_parent go under /k8s.io, which runtsd creates as kubelet's containerd does
  const removePodsParent = fs.existsSync(PODS_PARENT) ? () => undefined : () => removeCgroupTree('k8s.io');
  let daemon: Daemon | undefined;
  try {
    const config = path.join(net.dir, 'config.toml');
    fs.writeFileSync(config, [
      '[plugins."io.containerd.grpc.v1.cri"]',
      '  restrict_oom_score_adj = true',
      ...criKeys.map((line) => `  ${line}`),
      '  [plugins."io.containerd.grpc.v1.cri".cni]',
      `    conf_dir = "${net.confDir}"`,
      '',
    ].join('\n'));
    daemon = await startDaemon(`cri-${tag}`, {}, ['--config', config]);
    const image = buildHttpdImage(fs.mkdtempSync(path.join(net.dir, 'image-')), IMAGE);
    daemon.ctr('-n', 'k8s.io', 'images', 'import', image);
  } catch (err) {
    await daemon?.stop();
    net.cleanup();
    removePodsParent();
    throw err;
  }
  const d = daemon;
  const cri = criClients(d.socket);
  const endpoint = `unix://${d.socket}`;
  const crictlResult = (...args: string[]) => {
    const r = spawnSync(crictl ?? 'crictl', ['--runtime-endpoint', endpoint, '--image-endpoint', endpoint, '--timeout', '60s', ...args], { encoding: 'utf8', timeout: 90000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    daemon: d,
    cri,
    net,
    crictlResult,
    crictl: (...args) => {
      const r = crictlResult(...args);
      if (r.status !== 0) throw new Error(`crictl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout;
    },
    json: (name, value) => {
      const file = path.join(net.dir, name);
      fs.writeFileSync(file, JSON.stringify(value));
      return file;
    },
    async cleanup() {
      try {
        if (d.process.exitCode === null && d.process.signalCode === null) {
          // this.cri: a test may have replaced the clients (after restarting the daemon)
          for (const pod of (await criCall(this.cri.runtime, 'ListPodSandbox', {})).items) {
            await criCall(this.cri.runtime, 'RemovePodSandbox', { pod_sandbox_id: pod.id });
          }
        }
      } finally {
        this.cri.close();
        await d.stop();
        net.cleanup();
        removePodsParent();
      }
    },
  };
}

export const podConfig = (name: string, logDir: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 },
  hostname: name,
  log_directory: logDir,
  linux: {},
  ...extra,
});
