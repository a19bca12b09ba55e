import * as fs from 'fs';
import * as path from 'path';
import { PROTO_DIR, lazyServiceDefinition } from '../../foundation/protos/services';
import { unary } from '../deps';
import { ServiceRegistration } from '../registration';

export function runtsVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROTO_DIR, '..', 'package.json'), 'utf8'));
  return String(pkg.version);
}

export const versionService: ServiceRegistration = {
  name: 'version',
  definition: () => lazyServiceDefinition('containerd/services/version/v1/version.proto', 'containerd.services.version.v1.Version'),
  implementation: (deps) => {
    const version = runtsVersion();
    return {
      Version: unary(deps.log, () => ({ version, revision: `runtsd-${version}` })),
    };
  },
};
