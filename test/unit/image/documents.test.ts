import {
  childDescriptors, parseConfig, parseIndex, parseManifest, selectManifest,
} from '../../../src/image/documents';
import { MediaType, layerCompression } from '../../../src/image/media-types';
import { formatPlatform, parsePlatform, platformMatches } from '../../../src/image/platform';

const d = (c: string) => `sha256:${c.repeat(64)}`;

const manifest = {
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: d('c'), size: 10 },
  layers: [
    { mediaType: MediaType.ociLayerGzip, digest: d('1'), size: 100 },
    { mediaType: MediaType.dockerLayerGzip, digest: d('2'), size: 200 },
  ],
};

const index = {
  schemaVersion: 2,
  mediaType: MediaType.ociIndex,
  manifests: [
    { mediaType: MediaType.ociManifest, digest: d('a'), size: 5, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { mediaType: MediaType.dockerManifest, digest: d('b'), size: 6, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: MediaType.ociManifest, digest: d('e'), size: 7, platform: { os: 'windows', architecture: 'amd64' } },
  ],
};

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

test('parses a manifest and lists config and layers as children', () => {
  const m = parseManifest(json(manifest));
  expect(m.layers.map((l) => layerCompression(l.mediaType))).toEqual(['gzip', 'gzip']);
  expect(childDescriptors(MediaType.ociManifest, json(manifest)).map((c) => c.digest)).toEqual([d('c'), d('1'), d('2')]);
});

test('selects the linux/amd64 manifest of a multi-platform index (docker list types too)', () => {
  const idx = parseIndex(json(index));
  expect(selectManifest(idx, parsePlatform('linux/amd64')).digest).toBe(d('b'));
  expect(selectManifest(idx, parsePlatform('linux/aarch64')).digest).toBe(d('a'));
  expect(() => selectManifest(idx, parsePlatform('linux/s390x'))).toThrow(/no manifest for linux\/s390x .*linux\/arm64, linux\/amd64, windows\/amd64/);
  const dockerList = { ...index, mediaType: MediaType.dockerManifestList };
  expect(parseIndex(json(dockerList)).manifests).toHaveLength(3);
});

test('rejects malformed documents with the field that is wrong', () => {
  expect(() => parseManifest('{')).toThrow(/image manifest is not valid JSON/);
  expect(() => parseManifest(json({ ...manifest, schemaVersion: 1 }))).toThrow(/schemaVersion must be 2/);
  expect(() => parseManifest(json({ ...manifest, layers: [{ ...manifest.layers[0], mediaType: 'application/x-unknown' }] })))
    .toThrow(/layers\[0\] has unsupported media type "application\/x-unknown"/);
  expect(() => parseManifest(json({ ...manifest, config: { ...manifest.config, digest: 'sha256:123' } })))
    .toThrow(/config: digest "sha256:123" is invalid/);
  expect(() => parseManifest(json({ ...manifest, layers: [{ ...manifest.layers[0], size: -1 }] })))
    .toThrow(/layers\[0\]: size must be a non-negative integer/);
  expect(() => parseIndex(json({ ...index, mediaType: MediaType.ociManifest }))).toThrow(/unexpected mediaType/);
  expect(() => parseConfig(json({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: ['x'] } })))
    .toThrow(/rootfs must be/);
});

test('parses a config', () => {
  const c = parseConfig(json({ os: 'linux', architecture: 'amd64', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [d('f')] } }));
  expect(c.rootfs.diff_ids).toEqual([d('f')]);
});

test('platform normalisation and matching', () => {
  expect(formatPlatform(parsePlatform('Linux/x86_64'))).toBe('linux/amd64');
  expect(formatPlatform(parsePlatform('linux/armhf'))).toBe('linux/arm/v7');
  expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
  expect(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'arm64' })).toBe(false);
  expect(platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm' })).toBe(false);
  expect(() => parsePlatform('linux')).toThrow(/expected os\/architecture/);
});
