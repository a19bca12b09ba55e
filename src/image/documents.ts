// Parsing and validating OCI / Docker v2 image documents: index, manifest, config. Each error
// names the document and the field that is wrong.
import { invalid } from '../foundation/errors';
import { isConfig, isIndex, isLayer, isManifest } from './media-types';
import { Platform, platformMatches } from './platform';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  os: string;
  architecture: string;
  variant?: string;
  config?: { Env?: string[]; Cmd?: string[]; Entrypoint?: string[]; WorkingDir?: string; User?: string };
  rootfs: { type: 'layers'; diff_ids: string[] };
}

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
type Json = Record<string, unknown>;

function parseJson(what: string, data: Buffer | string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString());
  } catch (err) {
    throw invalid(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(`${what} must be a JSON object`);
  return doc as Json;
}

function stringMap(what: string, v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw invalid(`${what} must map strings to strings`);
  }
  return v as Record<string, string>;
}

export function parseDescriptor(what: string, v: unknown): Descriptor {
  if (typeof v !== 'object' || v === null) throw invalid(`${what} must be a descriptor object`);
  const d = v as Json;
  if (typeof d.mediaType !== 'string' || !d.mediaType) throw invalid(`${what}: mediaType must be a non-empty string`);
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw invalid(`${what}: digest "${String(d.digest)}" is invalid`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw invalid(`${what}: size must be a non-negative integer`);
  }
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  const annotations = stringMap(`${what}: annotations`, d.annotations);
  if (annotations) out.annotations = annotations;
  if (d.platform !== undefined) {
    const p = d.platform as Json;
    if (typeof p !== 'object' || p === null || typeof p.os !== 'string' || typeof p.architecture !== 'string') {
      throw invalid(`${what}: platform needs string os and architecture`);
    }
    out.platform = { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) };
  }
  if (Array.isArray(d.urls)) out.urls = d.urls.map(String);
  return out;
}

function schemaVersion2(what: string, doc: Json): void {
  if (doc.schemaVersion !== 2) throw invalid(`${what}: schemaVersion must be 2, got ${JSON.stringify(doc.schemaVersion)}`);
}

function expectMediaType(what: string, doc: Json, accepted: (mt: string) => boolean): void {
  if (doc.mediaType !== undefined && (typeof doc.mediaType !== 'string' || !accepted(doc.mediaType))) {
    throw invalid(`${what}: unexpected mediaType ${JSON.stringify(doc.mediaType)}`);
  }
}

export function parseIndex(data: Buffer | string, what = 'image index'): ImageIndex {
  const doc = parseJson(what, data);
  schemaVersion2(what, doc);
  expectMediaType(what, doc, isIndex);
  if (!Array.isArray(doc.manifests)) throw invalid(`${what}: manifests must be an array`);
  return {
    schemaVersion: 2,
    ...(doc.mediaType ? { mediaType: doc.mediaType as string } : {}),
    manifests: doc.manifests.map((m, i) => parseDescriptor(`${what}: manifests[${i}]`, m)),
    ...(doc.annotations ? { annotations: stringMap(`${what}: annotations`, doc.annotations) } : {}),
  };
}

export function parseManifest(data: Buffer | string, what = 'image manifest'): ImageManifest {
  const doc = parseJson(what, data);
  schemaVersion2(what, doc);
  expectMediaType(what, doc, isManifest);
  const config = parseDescriptor(`${what}: config`, doc.config);
  if (!isConfig(config.mediaType)) throw invalid(`${what}: config media type "${config.mediaType}" is not an image config`);
  if (!Array.isArray(doc.layers)) throw invalid(`${what}: layers must be an array`);
  const layers = doc.layers.map((l, i) => parseDescriptor(`${what}: layers[${i}]`, l));
  layers.forEach((l, i) => {
    if (!isLayer(l.mediaType)) throw invalid(`${what}: layers[${i}] has unsupported media type "${l.mediaType}"`);
  });
  return {
    schemaVersion: 2,
    ...(doc.mediaType ? { mediaType: doc.mediaType as string } : {}),
    config,
    layers,
    ...(doc.annotations ? { annotations: stringMap(`${what}: annotations`, doc.annotations) } : {}),
  };
}

export function parseConfig(data: Buffer | string, what = 'image config'): ImageConfig {
  const doc = parseJson(what, data);
  if (typeof doc.os !== 'string' || typeof doc.architecture !== 'string') {
    throw invalid(`${what}: os and architecture must be strings`);
  }
  const rootfs = doc.rootfs as Json | undefined;
  if (!rootfs || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)
    || rootfs.diff_ids.some((d) => typeof d !== 'string' || !DIGEST.test(d))) {
    throw invalid(`${what}: rootfs must be {"type":"layers","diff_ids":[digests]}`);
  }
  return doc as unknown as ImageConfig;
}

/** The manifest of an index built for `platform`; the first match wins, as in containerd. */
export function selectManifest(index: ImageIndex, platform: Platform): Descriptor {
  const found = index.manifests.find((m) => isManifest(m.mediaType) && m.platform && platformMatches(platform, m.platform));
  if (!found) {
    const available = index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : 'unknown')).join(', ');
    throw invalid(`no manifest for ${platform.os}/${platform.architecture} in image index (available: ${available || 'none'})`);
  }
  return found;
}

/** The descriptors a document refers to: what containerd labels as gc.ref.content.* children. */
export function childDescriptors(mediaType: string, data: Buffer): Descriptor[] {
  if (isIndex(mediaType)) return parseIndex(data).manifests;
  if (isManifest(mediaType)) {
    const m = parseManifest(data);
    return [m.config, ...m.layers];
  }
  return [];
}
