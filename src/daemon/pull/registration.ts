// The Pull service as runtsd registers it: the registry client (undici) and the unpacker are
// loaded on the first pull; staging left by a crashed pull is still cleared at start.
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { loadedOnFirstCall } from '../registration';
import { clearStaging } from './staging';

export const pullDefinition = () => lazyServiceDefinition('runts/services/pull/v1/pull.proto', 'runts.services.pull.v1.Pull');

export const pullRegistration = loadedOnFirstCall(
  'pull', pullDefinition,
  () => (require('./service') as typeof import('./service')).pullService,
  { atStart: (deps) => clearStaging(deps.config.root) },
);
