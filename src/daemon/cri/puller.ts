// How PullImage gets an image into runtsd: the daemon's own pull (src/daemon/pull) behind a small
// interface, so the CRI plugin does not depend on how a pull is done. The pull and its registry
// client (undici, ~3 MiB of heap) load with the first PullImage, not with the plugin.
import { Deps } from '../deps';
import type { Credentials } from '../../registry/auth';
import { invalid } from '../../foundation/errors';

export interface PullAuth {
  username: string;
  password: string;
  auth: string;
  serverAddress: string;
  identityToken: string;
  registryToken: string;
}

export interface ImagePuller {
  /** Pulls and unpacks `reference` into `namespace`; resolves to the stored image name. */
  pull(reference: string, namespace: string, auth: PullAuth | undefined): Promise<string>;
}

/** CRI's AuthConfig as registry credentials: username/password, or `auth` (base64 user:password). */
export function credentialsOf(auth: PullAuth | undefined): Credentials | undefined {
  if (!auth) return undefined;
  if (auth.username) return { username: auth.username, password: auth.password };
  if (auth.auth) {
    const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalid('PullImage auth: "auth" must be base64 of "user:password"');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (auth.identityToken || auth.registryToken) throw invalid('PullImage auth: identity and registry tokens are not supported; give a username and password');
  return undefined;
}

/** Pulls through runtsd itself, with the CRI table's registry.config_path when it is set. */
export function daemonPuller(deps: Deps, hostsDir: string): ImagePuller {
  return {
    async pull(reference, namespace, auth) {
      const { pullIntoDaemon } = require('../pull/pull') as typeof import('../pull/pull');
      const record = await pullIntoDaemon(deps, reference, namespace, {
        auth: credentialsOf(auth),
        hostsDir: hostsDir || undefined,
      });
      return record.name;
    },
  };
}
