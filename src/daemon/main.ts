// runtsd: parse flags, start the gRPC daemon, stop it cleanly on SIGTERM/SIGINT; or, as a shim's
// -publish-binary (`runtsd --address SOCK publish --topic T --namespace NS`), publish one event.
import { RuntsError } from '../foundation/errors';
import { DEFAULT_CONFIG, DaemonConfig, logLevel, readConfigFile } from './config';
import { parseDaemonArgs } from './flags';
import { createLogger } from './log';

const STOP_TIMEOUT_MS = 15_000;

// bin/runtsd says whether it loaded the bundle or the modules; not passed on to shims
const startupNote = process.env.RUNTS_STARTUP_NOTE;
delete process.env.RUNTS_STARTUP_NOTE;

async function main(argv: string[]): Promise<void> {
  const args = parseDaemonArgs(argv);
  if (args.publish) {
    // a shim's -publish-binary: the daemon's modules are not loaded
    const { publishEvent } = await import('./shims/publish');
    await publishEvent(args.address ?? DEFAULT_CONFIG.address, args.publish.topic ?? '', args.publish.namespace ?? '');
    return;
  }
  const fromFile = args.config ? readConfigFile(args.config) : {};
  const config: DaemonConfig = {
    ...DEFAULT_CONFIG,
    ...fromFile,
    ...(args.address ? { address: args.address } : {}),
    ...(args.root ? { root: args.root } : {}),
    ...(args.state ? { state: args.state } : {}),
    ...(args['log-level'] ? { logLevel: logLevel(args['log-level']) } : {}),
    ...(args['registry-config-path'] ? { registryHostsDir: args['registry-config-path'] } : {}),
  };
  const log = createLogger(config.logLevel);
  if (startupNote) log.debug(startupNote);
  const { startDaemon } = await import('./server');
  const daemon = await startDaemon(config, log);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // A step that never settles (a client holding a stream, a store that does not close) must not
    // keep a stopped daemon alive: its state is on disk, and a restart recovers it.
    setTimeout(() => {
      log.error('shutdown did not finish in time: exiting', { seconds: STOP_TIMEOUT_MS / 1000 });
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    daemon.stop().then(() => process.exit(0), (err) => {
      log.error('shutdown failed', { error: String(err) });
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err) => {
  const msg = err instanceof RuntsError ? err.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`runtsd: ${msg}\n`);
  process.exit(1);
});
