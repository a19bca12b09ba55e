// `runtsctl pull [--platform P] [--plain-http] [--local] REF`: by runtsd itself
// (runts.services.pull.v1.Pull, as containerd 2's ctr pulls through its transfer service), or with
// --local by runtsctl through runtsd's content, snapshots and diff services (as ctr 1.x and
// `ctr pull --local` do). Prints "<name> <digest>" on stdout.
import { Argv, CommandModule } from 'yargs';
import { GlobalArgs, withClient } from '../context';
import { Client, DaemonError } from '../../client/client';
import { hostPlatform, parsePlatform, formatPlatform } from '../../image/platform';
import { Descriptor } from '../../image/documents';
import { RegistryArgs, credentialsOf, registryOptions, withRegistryFlags } from '../pull/registry-args';
import { RuntsError, invalid } from '../../foundation/errors';
import { DEFAULT_HOSTS_DIR } from '../../registry/hosts';

type PullArgs = GlobalArgs & RegistryArgs & { ref: string; platform?: string; snapshotter: string; unpack: boolean; local: boolean };

interface WireEvent {
  event: string;
  descriptor: { media_type: string; digest: string; size: number } | null;
  done: number;
  name: string;
}

async function pullByDaemon(client: Client, args: PullArgs): Promise<{ name: string; digest: string }> {
  if (args['hosts-dir'] !== DEFAULT_HOSTS_DIR) {
    throw invalid('--hosts-dir applies to --local pulls: runtsd reads its own --registry-config-path');
  }
  const credentials = credentialsOf(args.user);
  const { pullDisplay } = await import('../pull/display');
  const display = pullDisplay();
  const seen = new Map<string, number>();
  try {
    for await (const m of client.iterate('pull', 'Pull', {
      reference: args.ref,
      platform: args.platform ?? '',
      username: credentials?.username ?? '',
      password: credentials?.password ?? '',
      plain_http: args['plain-http'],
      snapshotter: args.snapshotter,
      skip_unpack: !args.unpack,
    }) as AsyncIterable<WireEvent>) {
      const d: Descriptor | undefined = m.descriptor ? { mediaType: m.descriptor.media_type, digest: m.descriptor.digest, size: Number(m.descriptor.size) } : undefined;
      const e = display.events;
      switch (m.event) {
        case 'resolved': e.resolved?.(m.name, d!); break;
        case 'layer': case 'stored': e.layer?.(d!, m.event === 'stored'); break;
        case 'bytes': e.bytes?.(d!, Number(m.done) - (seen.get(d!.digest) ?? 0)); seen.set(d!.digest, Number(m.done)); break;
        case 'downloaded': e.downloaded?.(d!); break;
        case 'unpacked': case 'exists': e.unpacked?.(d!, m.event === 'exists' ? 'exists' : 'unpacked'); break;
        case 'done': return { name: m.name, digest: d!.digest };
        default: break;
      }
    }
  } catch (err) {
    // The daemon's message already says what failed; the RPC's name would only add noise.
    throw err instanceof DaemonError ? new RuntsError(err.details, err.kind) : err;
  } finally {
    display.stop();
  }
  throw new Error('runtsd ended the pull without reporting the image');
}

const pull: CommandModule<GlobalArgs, PullArgs> = {
  command: 'pull <ref>',
  describe: 'pull an image from a registry and unpack it',
  builder: (y) => withRegistryFlags(y
    .positional('ref', { type: 'string', demandOption: true, describe: 'image reference (busybox, 127.0.0.1:5000/app:1, ...@sha256:...)' })
    .option('platform', { type: 'string', describe: `os/arch[/variant] to pull from a multi-platform image (default ${formatPlatform(hostPlatform())})` })
    .option('snapshotter', { type: 'string', default: 'overlayfs', describe: 'snapshotter to unpack into' })
    .option('unpack', { type: 'boolean', default: true, describe: 'unpack the layers (--no-unpack to skip)' })
    .option('local', { type: 'boolean', default: false, describe: 'fetch in runtsctl, writing through runtsd\'s content service (as ctr pull --local)' })) as Argv<PullArgs>,
  handler: (args) => withClient(args, async (client) => {
    const platform = args.platform ? parsePlatform(args.platform) : hostPlatform();
    let result: { name: string; digest: string };
    if (!args.local) {
      result = await pullByDaemon(client, args);
    } else {
      // Loaded here: the registry client (undici) and the bars are for this command only.
      const [{ pullThroughClient }, { pullDisplay }] = await Promise.all([import('../pull/pull'), import('../pull/display')]);
      const display = pullDisplay();
      try {
        const image = await pullThroughClient(client, args.ref, {
          platform, snapshotter: args.snapshotter, unpack: args.unpack, registry: registryOptions(args), events: display.events,
        });
        result = { name: image.name, digest: image.target.digest };
      } finally {
        display.stop();
      }
    }
    process.stdout.write(`${result.name} ${result.digest}\n`);
  }),
};
export default pull;
