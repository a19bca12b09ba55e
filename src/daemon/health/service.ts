import { lazyServiceDefinition } from '../../foundation/protos/services';
import { unary } from '../deps';
import { ServiceRegistration } from '../registration';

/** grpc.health.v1: the daemon answers SERVING while it runs. */
export const healthService: ServiceRegistration = {
  name: 'healthcheck',
  definition: () => lazyServiceDefinition('grpc/health/v1/health.proto', 'grpc.health.v1.Health'),
  implementation: (deps) => ({
    Check: unary(deps.log, () => ({ status: 'SERVING' })),
  }),
};
