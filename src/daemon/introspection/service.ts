import { lazyServiceDefinition } from '../../foundation/protos/services';
import { PluginInfo, unary } from '../deps';
import { ServiceRegistration } from '../registration';
import { FieldLookup, parseFilters } from '../../foundation/filters';

const pluginField: FieldLookup<PluginInfo> = (p, fieldPath) => {
  switch (fieldPath[0]) {
    case 'type': return p.type;
    case 'id': return p.id;
    case 'capabilities': return p.capabilities.join(',');
    default: return undefined;
  }
};

export const introspectionService: ServiceRegistration = {
  name: 'introspection',
  definition: () => lazyServiceDefinition(
    'containerd/services/introspection/v1/introspection.proto',
    'containerd.services.introspection.v1.Introspection',
  ),
  implementation: (deps) => ({
    Plugins: unary(deps.log, (call: { request: { filters: string[] } }) => {
      const matches = parseFilters(call.request.filters, pluginField);
      const plugins = deps.plugins.filter(matches).map((p) => ({ ...p, platforms: [], init_err: null }));
      return { plugins };
    }),
    Server: unary(deps.log, () => ({ uuid: deps.uuid })),
  }),
};
