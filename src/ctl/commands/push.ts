// `runtsctl push [--plain-http] [-u USER:PASS] REF [LOCAL]`: pushes the image LOCAL (default:
// REF) from runtsd's content store to REF, as ctr images push does.
import { Argv, CommandModule } from 'yargs';
import { GlobalArgs, withClient } from '../context';
import { RegistryArgs, registryOptions, withRegistryFlags } from '../pull/registry-args';
import { formatReference, parseReference } from '../../image/reference';

type PushArgs = GlobalArgs & RegistryArgs & { ref: string; local?: string };

const push: CommandModule<GlobalArgs, PushArgs> = {
  command: 'push <ref> [local]',
  describe: 'push an image to a registry',
  builder: (y) => withRegistryFlags(y
    .positional('ref', { type: 'string', demandOption: true, describe: 'where to push (registry/repository:tag)' })
    .positional('local', { type: 'string', describe: 'the local image to push (default: ref)' })) as Argv<PushArgs>,
  handler: (args) => withClient(args, async (client) => {
    const ref = parseReference(args.ref);
    const local = args.local ? formatReference(parseReference(args.local)) : formatReference(ref);
    const { image } = await client.unary('images', 'Get', { name: local });
    const target = { mediaType: image.target.media_type, digest: image.target.digest, size: Number(image.target.size) };
    // Loaded here: the registry client (undici) is for this command only.
    const [{ RepositoryClient }, { pushImage }, { grpcContentTarget }] = await Promise.all([
      import('../../registry/client'), import('../../registry/push'), import('../pull/grpc-content')]);
    const repo = new RepositoryClient(ref, true, registryOptions(args));
    try {
      await pushImage(repo, grpcContentTarget(client), target, {
        blob: (d, how) => process.stderr.write(`${d.digest.slice(7, 19)}: ${how === 'exists' ? 'already exists' : how} (${d.size} bytes)\n`),
        manifest: (d, at) => process.stderr.write(`manifest ${d.digest} pushed as ${at}\n`),
      });
    } finally {
      await repo.close();
    }
    process.stdout.write(`${formatReference(ref)} ${target.digest}\n`);
  }),
};
export default push;
