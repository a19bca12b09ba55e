/*
 * runtsd's gRPC server.
 *
 * Services written as plain async handlers `(request, { namespace })` (snapshots, diff) are
 * registered through src/daemon/registrations/ with adaptHandlers().
 *
 * Registration contract (how a service joins the daemon):
 *   1. Write the service in src/daemon/<name>/service.ts exporting a ServiceRegistration
 *      (src/daemon/registration.ts): { name, definition, implementation(deps) }.
 *        - name: the plugin id `ctr plugins ls` shows under type io.containerd.grpc.v1;
 *        - definition: lazyServiceDefinition('<path under proto/>', '<full.service.Name>') (the
 *          .proto is parsed on the first call);
 *        - implementation(deps): the handlers, built from the Deps bag (src/daemon/deps.ts):
 *          metadata (one LMDB transaction per change: metadata.update(fn); a service keeps its
 *          own records in metadata.table(name), keyed scopedKey(ns, id), which also keeps a
 *          non-empty namespace from deletion), content (blob store),
 *          collectGarbage(), gc (addKind/addRootSource: make GC free a service's resources,
 *          e.g. snapshots, reachable through leases and containerd.io/gc.ref.* labels),
 *          events (publish/subscribe containerd envelopes), namespaceUsers (keep a namespace
 *          holding a service's resources from deletion), log,
 *          config (root/state/address), uuid, plugins.
 *   2. Add ONE line to SERVICES below. A service with heavy dependencies few clients use goes
 *      through loadedOnFirstCall (registration.ts) so runtsd starts without loading it.
 * In handlers, use namespaceOf(call) for the containerd-namespace header (default "default"),
 * leaseOf(call) for containerd-lease, unary(log, fn) for unary methods and failStream(call, err)
 * for streams: any RuntsError thrown becomes the matching gRPC status (toGrpcError).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { RuntsError, systemError } from '../foundation/errors';
import { MetadataStore } from '../metadata/store';
import { referencedBlobs } from '../metadata/gc';
import { ContentStore } from '../content/store';
import { DaemonConfig } from './config';
import { Deps, PluginInfo, createGarbageCollector } from './deps';
import { Logger } from './log';
import { EventExchange } from './exchange';
import { ServiceRegistration } from './registration';
import { loadOrCreateUuid } from './introspection/uuid';
import { healthService } from './health/service';
import { versionService } from './version/service';
import { introspectionService } from './introspection/service';
import { namespacesService } from './namespaces/service';
import { contentService } from './content/service';
import { imagesService } from './images/service';
import { leasesService } from './leases/service';
import { snapshotsRegistration } from './registrations/snapshots';
import { diffRegistration } from './registrations/diff';
import { containersService } from './containers/service';
import { eventsService } from './events/service';
import { tasksService } from './tasks/service';
import { pullRegistration } from './pull/registration';
import { shimManagerFor } from './shims/manager';
import { withAuthorityRewritten } from './authority';
import { InProcessCalls } from './in-process';
import { programStarted } from '../foundation/cached-script';
import { daemonIdleMemoryRelease, noteCalls } from './idle-memory';
import { criImageRegistration, criRuntimeRegistration } from './cri/registrations';

export const SERVICES: ServiceRegistration[] = [
  healthService,
  versionService,
  introspectionService,
  namespacesService,
  contentService,
  imagesService,
  leasesService,
  snapshotsRegistration,
  diffRegistration,
  containersService,
  eventsService,
  tasksService,
  criRuntimeRegistration,
  criImageRegistration,
  pullRegistration,
];

/** The stores under the services, listed by Introspection like containerd's own plugins. */
const STORE_PLUGINS: PluginInfo[] = [
  { type: 'io.containerd.content.v1', id: 'content', requires: [], capabilities: [], exports: {} },
  { type: 'io.containerd.metadata.v1', id: 'lmdb', requires: ['io.containerd.content.v1'], capabilities: [], exports: {} },
  { type: 'io.containerd.gc.v1', id: 'scheduler', requires: ['io.containerd.metadata.v1'], capabilities: [], exports: {} },
];

// containerd accepts 16 MiB messages; ctr sends content in chunks up to that size.
const MAX_MESSAGE = 16 << 20;
// Besides the collections deletes trigger, sweep regularly so expired leases release content.
const GC_INTERVAL_MS = 10 * 60 * 1000;

export interface RunningDaemon {
  deps: Deps;
  stop(): Promise<void>;
}

function makeDir(dir: string, mode: number): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode });
  } catch (err) {
    throw systemError(`creating directory ${dir}`, err);
  }
}

/** Refuses to take over a socket another live daemon answers on; removes a stale one. */
async function claimSocket(address: string): Promise<void> {
  if (!fs.existsSync(address)) return;
  if (!fs.lstatSync(address).isSocket()) {
    throw new RuntsError(`cannot listen on ${address}: the path exists and is not a socket`, 'exists');
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(address);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new RuntsError(`cannot listen on ${address}: another daemon is serving it`, 'exists');
  fs.rmSync(address, { force: true });
}

/** Cleans what a crash can leave: half-created ingests and blobs no namespace records. */
function recover(metadata: MetadataStore, content: ContentStore, log: Logger): void {
  content.removeBrokenIngests();
  const referenced = metadata.view(referencedBlobs);
  for (const digest of content.listBlobs()) {
    if (!referenced.has(digest)) {
      content.deleteBlob(digest);
      log.info('removed orphan blob', { digest });
    }
  }
}

export async function startDaemon(config: DaemonConfig, log: Logger): Promise<RunningDaemon> {
  makeDir(config.root, 0o711);
  makeDir(config.state, 0o711);
  makeDir(path.dirname(config.address), 0o711);
  await claimSocket(config.address);

  const metadata = MetadataStore.open(config.root);
  const content = new ContentStore(config.root);
  recover(metadata, content, log);

  const gc = createGarbageCollector(metadata, content, log);
  const deps: Deps = {
    config,
    log,
    metadata,
    content,
    uuid: loadOrCreateUuid(config.root),
    events: new EventExchange(),
    plugins: [
      ...STORE_PLUGINS,
      ...SERVICES.map((s) => ({
        type: 'io.containerd.grpc.v1', id: s.name, requires: ['io.containerd.metadata.v1'], capabilities: [], exports: {},
      })),
    ],
    collectGarbage: gc.collect,
    gc: gc.registry,
    namespaceUsers: [],
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
  const inProcess = new InProcessCalls();
  const idleMemory = daemonIdleMemoryRelease(log);
  for (const service of SERVICES) {
    const definition = service.definition();
    const implementation = service.implementation(deps);
    server.addService(definition, noteCalls(idleMemory, implementation));
    inProcess.add(definition, implementation);
  }
  deps.inProcess = inProcess;
  // Shims forward events to <address>.ttrpc; tasks a previous daemon left are taken back first.
  const shims = shimManagerFor(deps);
  await shims.start();

  // The listener is ours, not grpc-js's, so older grpc-go clients' :authority can be fixed.
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = net.createServer((socket) => injector.injectConnection(withAuthorityRewritten(socket)));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err) => reject(systemError(`listening on ${config.address}`, err)));
    listener.listen(config.address, () => resolve());
  });
  fs.chmodSync(config.address, 0o660);
  for (const service of SERVICES) service.serving?.(deps);
  programStarted();
  log.info('runtsd serving', { address: config.address, root: config.root, state: config.state });
  idleMemory.busy();
  await deps.collectGarbage();
  const gcTimer = setInterval(() => {
    Promise.resolve()
      .then(() => deps.collectGarbage())
      .catch((err) => log.error('garbage collection failed', { error: String(err) }));
  }, GC_INTERVAL_MS);
  gcTimer.unref();

  return {
    deps,
    async stop() {
      clearInterval(gcTimer);
      idleMemory.stop();
      listener.close();
      await new Promise<void>((resolve) => {
        // long-lived streams (events, CRI container events) hold sessions open: cut them after 5 s,
        // and go on a second later even if a cut session never reports its close
        const force = setTimeout(() => {
          log.debug('stopping: gRPC calls still open after 5 s, cancelling them');
          server.forceShutdown();
          setTimeout(() => {
            log.debug('stopping: gRPC sessions did not report closing, going on');
            resolve();
          }, 1000);
        }, 5000);
        server.tryShutdown(() => { clearTimeout(force); resolve(); });
      });
      log.debug('stopping: gRPC server closed');
      fs.rmSync(config.address, { force: true });
      for (const service of SERVICES) service.stopped?.(deps);
      await shims.stop();
      log.debug('stopping: shim events server closed');
      await metadata.close();
      log.info('runtsd stopped');
    },
  };
}
