// The CRI services as runtsd registers them: every method at start, the plugin (its store,
// streaming server, CNI and registry client) loaded on the first CRI call, or at start when a
// previous run left pods or containers to recover.
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { listContainers } from '../../metadata/containers';
import { Deps } from '../deps';
import { loadedOnFirstCall } from '../registration';
import { CRI_NAMESPACE, KIND_LABEL } from './labels';

const PROTO = 'cri/runtime/v1/api.proto';
export const runtimeDefinition = () => lazyServiceDefinition(PROTO, 'runtime.v1.RuntimeService');
export const imageDefinition = () => lazyServiceDefinition(PROTO, 'runtime.v1.ImageService');

const services = (): typeof import('./services') => require('./services');
const closePlugin = (deps: Deps) => (require('./plugin') as typeof import('./plugin')).closeCriPlugin(deps);

/** Config keys to warn about, or CRI records to recover: the plugin is needed from the start. */
function hasCriState(deps: Deps): boolean {
  if (deps.config.cri?.ignored?.length) return true;
  return deps.metadata.view((t) => listContainers(t, CRI_NAMESPACE).some((c) => KIND_LABEL in c.labels));
}

export const criRuntimeRegistration = loadedOnFirstCall(
  'cri', runtimeDefinition, () => services().criRuntimeService,
  { loadAtStart: hasCriState, stopLoaded: closePlugin },
);

export const criImageRegistration = loadedOnFirstCall(
  'cri-images', imageDefinition, () => services().criImageService,
  { stopLoaded: closePlugin },
);
