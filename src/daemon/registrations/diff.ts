// The diff service as runtsd registers it: its module (the layer appliers, their worker pool,
// the differ) is loaded on the first Apply or Diff; the pull service applies layers on its own.
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { loadedOnFirstCall } from '../registration';

export const diffDefinition = () => lazyServiceDefinition('containerd/services/diff/v1/diff.proto', 'containerd.services.diff.v1.Diff');

export const diffRegistration = loadedOnFirstCall(
  'diff', diffDefinition,
  () => (require('./diff-service') as typeof import('./diff-service')).diffServiceRegistration,
);
