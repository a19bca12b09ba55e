// lazyServiceDefinition reads each service's rpcs from the .proto text: the paths and stream kinds
// must be exactly those the parsed definition has, and its (de)serializers must encode alike.
import { declaredMethods, lazyServiceDefinition, serviceDefinition } from '../../../src/foundation/protos/services';

const SERVICES: [string, string][] = [
  ['cri/runtime/v1/api.proto', 'runtime.v1.RuntimeService'],
  ['cri/runtime/v1/api.proto', 'runtime.v1.ImageService'],
  ['runts/services/pull/v1/pull.proto', 'runts.services.pull.v1.Pull'],
  ['containerd/services/tasks/v1/tasks.proto', 'containerd.services.tasks.v1.Tasks'],
  ['containerd/services/content/v1/content.proto', 'containerd.services.content.v1.Content'],
];

test.each(SERVICES)('%s %s: the methods read from the text are the parsed ones', (file, name) => {
  const parsed = serviceDefinition(file, name);
  const lazy = lazyServiceDefinition(file, name);
  expect(Object.keys(lazy).sort()).toEqual(Object.keys(parsed).sort());
  for (const [method, attrs] of Object.entries(parsed)) {
    expect({ path: lazy[method].path, requestStream: lazy[method].requestStream, responseStream: lazy[method].responseStream })
      .toEqual({ path: attrs.path, requestStream: attrs.requestStream, responseStream: attrs.responseStream });
  }
});

test('its serializers parse the proto on use and encode as the parsed definition does', () => {
  const lazy = lazyServiceDefinition('cri/runtime/v1/api.proto', 'runtime.v1.RuntimeService').Version;
  const bytes = lazy.requestSerialize({ version: '0.1.0' });
  expect(bytes).toEqual(serviceDefinition('cri/runtime/v1/api.proto', 'runtime.v1.RuntimeService').Version.requestSerialize({ version: '0.1.0' }));
  expect(lazy.requestDeserialize(bytes)).toEqual({ version: '0.1.0' });
});

test('an unknown service is one clear error', () => {
  expect(() => declaredMethods('cri/runtime/v1/api.proto', 'runtime.v1.Nope')).toThrow('service runtime.v1.Nope not found in cri/runtime/v1/api.proto');
  expect(() => declaredMethods('cri/runtime/v1/api.proto', 'other.v1.RuntimeService')).toThrow(/not found/);
});
