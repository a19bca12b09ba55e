import { generateCodecs } from '../../../src/foundation/protos/loader';
import { warmUsualCodecs } from '../../../src/shim/warm-codecs';

describe('warmUsualCodecs', () => {
  it('finds every call, event and ttrpc frame it names in the shim\'s descriptors', () => {
    for (const set of ['shim', 'ttrpc'] as const) generateCodecs(set);
    expect(() => warmUsualCodecs()).not.toThrow();
  });
});
