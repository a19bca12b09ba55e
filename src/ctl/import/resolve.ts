// Turns the archive's top-level documents into named images: index.json for an OCI layout,
// manifest.json for a docker-archive (for which a Docker v2 manifest is written, as ctr does),
// and labels manifests and indexes with gc.ref.content.* so their children stay referenced.
import { Client } from '../../client/client';
import { Descriptor, parseIndex, parseManifest } from '../../image/documents';
import { MediaType, isIndex, isManifest } from '../../image/media-types';
import { hostPlatform, platformMatches } from '../../image/platform';
import { detectCompression } from '../../diff/compression';
import { invalid } from '../../foundation/errors';
import { ArchiveContents } from './archive';
import { ContentAccess } from '../../client/documents';
import { writeBlob } from '../../client/write-blob';
import { normalizeImageName } from '../../image/reference';

export interface NamedImage {
  name: string;
  target: Descriptor;
}

const IMAGE_NAME = 'io.containerd.image.name';
const REF_NAME = 'org.opencontainers.image.ref.name';

/** Labels every manifest and nested index reachable from `desc` with its children. */
async function labelTree(content: ContentAccess, desc: Descriptor): Promise<void> {
  const data = await content.read(desc.digest);
  if (isIndex(desc.mediaType)) {
    const index = parseIndex(data, `image index ${desc.digest}`);
    await content.label(desc.digest, Object.fromEntries(index.manifests.map((m, i) => [`containerd.io/gc.ref.content.m.${i}`, m.digest])));
    for (const m of index.manifests) if (isIndex(m.mediaType) || isManifest(m.mediaType)) await labelTree(content, m);
  } else if (isManifest(desc.mediaType)) {
    const manifest = parseManifest(data, `image manifest ${desc.digest}`);
    await content.label(desc.digest, {
      'containerd.io/gc.ref.content.config': manifest.config.digest,
      ...Object.fromEntries(manifest.layers.map((l, i) => [`containerd.io/gc.ref.content.l.${i}`, l.digest])),
    });
  }
}

async function fromOciLayout(content: ContentAccess, indexJson: Buffer): Promise<NamedImage[]> {
  const index = parseIndex(indexJson, 'index.json');
  const images: NamedImage[] = [];
  for (const m of index.manifests) {
    // Per-platform entries under one name: only this host's becomes the image, as with ctr.
    if (m.platform && isManifest(m.mediaType) && !platformMatches(hostPlatform(), m.platform)) continue;
    const ref = m.annotations?.[REF_NAME];
    const name = m.annotations?.[IMAGE_NAME] ?? (ref && /[/:]/.test(ref) ? ref : undefined);
    if (!name) continue;
    await labelTree(content, m);
    images.push({ name: normalizeImageName(name), target: m });
  }
  if (images.length === 0) throw invalid(`index.json names no image (annotation ${IMAGE_NAME} or a full ${REF_NAME})`);
  return images;
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function fromDockerArchive(client: Client, archive: ArchiveContents, manifestJson: Buffer): Promise<NamedImage[]> {
  let entries: DockerArchiveEntry[];
  try {
    entries = JSON.parse(manifestJson.toString());
  } catch (err) {
    throw invalid(`manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(entries)) throw invalid('manifest.json must be an array of images');
  const images: NamedImage[] = [];
  for (const [i, entry] of entries.entries()) {
    const file = (name: unknown, what: string) => {
      const found = typeof name === 'string' ? archive.files.get(name.replace(/^(\.\/)+/, '')) : undefined;
      if (!found) throw invalid(`manifest.json[${i}]: ${what} ${JSON.stringify(name)} is not in the archive`);
      return found;
    };
    const config = file(entry.Config, 'config');
    if (!Array.isArray(entry.Layers)) throw invalid(`manifest.json[${i}]: Layers must be an array`);
    const layers = entry.Layers.map((l, n) => {
      const layer = file(l, `layer ${n}`);
      const compression = detectCompression(layer.head);
      if (compression === 'zstd') throw invalid(`manifest.json[${i}]: layer ${l} is zstd-compressed, which a docker-archive cannot declare`);
      return { mediaType: compression === 'gzip' ? MediaType.dockerLayerGzip : MediaType.dockerLayer, digest: layer.digest, size: layer.size };
    });
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: config.digest, size: config.size },
      layers,
    }));
    async function* once() { yield manifest; }
    const written = await writeBlob(client, `runtsctl-manifest-${process.pid}-${i}`, once(), {
      total: manifest.length,
      labels: {
        'containerd.io/gc.ref.content.config': config.digest,
        ...Object.fromEntries(layers.map((l, n) => [`containerd.io/gc.ref.content.l.${n}`, l.digest])),
      },
    });
    const target = { mediaType: MediaType.dockerManifest, digest: written.digest, size: written.size };
    for (const tag of entry.RepoTags ?? []) images.push({ name: normalizeImageName(tag), target });
  }
  if (images.length === 0) throw invalid('manifest.json names no image (RepoTags)');
  return images;
}

export async function resolveImages(client: Client, archive: ArchiveContents): Promise<NamedImage[]> {
  const content = new ContentAccess(client, archive.documents);
  const indexJson = archive.files.get('index.json');
  if (indexJson) return fromOciLayout(content, await content.read(indexJson.digest));
  const manifestJson = archive.files.get('manifest.json');
  if (manifestJson) return fromDockerArchive(client, archive, await content.read(manifestJson.digest));
  throw invalid('not an image archive: it has neither index.json (OCI layout) nor manifest.json (docker-archive)');
}
