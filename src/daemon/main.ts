// runtsd: parse flags, start the gRPC daemon, stop it cleanly on SIGTERM/SIGINT; or, as a shim's
// -publish-binary (`runtsd --address SOCK publish --topic T --namespace NS`), publish one event.
import yargs from 'yargs';
import { RuntsError, invalid } from '../foundation/errors';
import { DEFAULT_CONFIG, DaemonConfig, logLevel, readConfigFile } from './config';
import { createLogger } from './log';

async function main(argv: string[]): Promise<void> {
  const args = yargs(argv)
    .scriptName('runtsd')
    .usage('$0 [options]: the runts daemon, serving containerd\'s gRPC API')
    .option('address', { alias: 'a', type: 'string', describe: `unix socket to serve on (default ${DEFAULT_CONFIG.address})` })
    .option('root', { type: 'string', describe: `persistent state directory (default ${DEFAULT_CONFIG.root})` })
    .option('state', { type: 'string', describe: `runtime state directory (default ${DEFAULT_CONFIG.state})` })
    .option('config', { alias: 'c', type: 'string', describe: 'config file, .toml or .json (root, state, grpc.address, debug.level)' })
    .option('log-level', { alias: 'l', type: 'string', describe: 'debug, info, warn or error (default info)' })
    .option('registry-config-path', { type: 'string', describe: `registry hosts directory, containerd's certs.d layout (default ${DEFAULT_CONFIG.registryHostsDir})` })
    .command('publish', 'publish one event (a protobuf Any on stdin) to the daemon at --address, for shims', (y) => y
      .option('topic', { type: 'string', describe: 'the event\'s topic, e.g. /tasks/exit' })
      .option('namespace', { type: 'string', describe: 'the event\'s namespace' }))
    .strict()
    .fail((msg, err) => {
      throw err ?? invalid(`${msg} (see runtsd --help)`);
    })
    .version(false)
    .help()
    .parseSync();

  if (args._[0] === 'publish') {
    const { topic, namespace } = args as { topic?: string; namespace?: string };
    // a shim's -publish-binary: the daemon's modules are not loaded
    const { publishEvent } = await import('./shims/publish');
    await publishEvent(args.address ?? DEFAULT_CONFIG.address, topic ?? '', namespace ?? '');
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
  const { startDaemon } = await import('./server');
  const daemon = await startDaemon(config, log);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
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
