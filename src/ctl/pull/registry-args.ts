// The registry flags runtsctl pull and push share, as ctr spells them.
import { Argv } from 'yargs';
import { invalid } from '../../foundation/errors';
import { Credentials } from '../../registry/auth';
import { DEFAULT_HOSTS_DIR } from '../../registry/hosts';
import { RegistryOptions } from '../../registry/client';

export interface RegistryArgs {
  'plain-http': boolean;
  'hosts-dir': string;
  user?: string;
}

export function withRegistryFlags<T>(y: Argv<T>): Argv<T & RegistryArgs> {
  return y
    .option('plain-http', { type: 'boolean', default: false, describe: 'speak plain HTTP to the registry' })
    .option('hosts-dir', { type: 'string', default: DEFAULT_HOSTS_DIR, describe: 'registry hosts directory (containerd\'s <host>/hosts.toml layout)' })
    .option('user', { alias: 'u', type: 'string', describe: 'USER[:PASSWORD] for the registry (else from ~/.docker/config.json)' }) as Argv<T & RegistryArgs>;
}

export function credentialsOf(user: string | undefined): Credentials | undefined {
  if (user === undefined) return undefined;
  const colon = user.indexOf(':');
  if (colon <= 0) throw invalid('--user must be USER:PASSWORD');
  return { username: user.slice(0, colon), password: user.slice(colon + 1) };
}

export const registryOptions = (args: RegistryArgs): RegistryOptions => ({
  plainHttp: args['plain-http'],
  hostsDir: args['hosts-dir'],
  credentials: credentialsOf(args.user),
});
