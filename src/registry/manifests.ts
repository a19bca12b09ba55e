// Resolving a reference to its root manifest or index, and fetching manifests by digest:
// bounded in size, their digest checked against what was asked (or what the registry claimed),
// their media type taken from the response or the document.
import { createHash } from 'crypto';
import { Descriptor } from '../image/documents';
import { MediaType, isIndex, isManifest } from '../image/media-types';
import { RepositoryClient } from './client';
import { RegistryError, header, readLimited } from './http';
import { manifestRef } from '../image/reference';

/** Larger manifests are refused (containerd's limit for a manifest is of this order too). */
const MAX_MANIFEST_BYTES = 4 << 20;

export const MANIFEST_ACCEPT = [
  MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
].join(', ');

export interface FetchedDocument {
  desc: Descriptor;
  data: Buffer;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function mediaTypeOf(contentType: string | undefined, data: Buffer, what: string): string {
  const type = contentType?.split(';')[0].trim();
  if (type && (isIndex(type) || isManifest(type))) return type;
  let doc: { mediaType?: unknown; manifests?: unknown; config?: unknown; schemaVersion?: unknown };
  try {
    doc = JSON.parse(data.toString());
  } catch {
    throw new RegistryError(`${what} is not JSON (content type ${type ?? 'none'})`, undefined, 'invalid');
  }
  if (typeof doc.mediaType === 'string' && (isIndex(doc.mediaType) || isManifest(doc.mediaType))) return doc.mediaType;
  if (doc.schemaVersion === 1) throw new RegistryError(`${what} is a Docker schema 1 manifest, which is not supported`, undefined, 'unsupported');
  if (Array.isArray(doc.manifests)) return MediaType.ociIndex;
  if (doc.config) return MediaType.ociManifest;
  throw new RegistryError(`${what} has unknown media type ${type ?? 'none'}`, undefined, 'unsupported');
}

async function getManifest(repo: RepositoryClient, ref: string): Promise<{ data: Buffer; contentType?: string; claimed?: string }> {
  const res = await repo.send({ method: 'GET', path: `manifests/${ref}`, headers: { accept: MANIFEST_ACCEPT }, accept: [200] });
  const length = Number(header(res, 'content-length') ?? -1);
  const what = `manifest ${repo.ref.domain}/${repo.ref.path}:${ref}`;
  if (length > MAX_MANIFEST_BYTES) {
    res.body.destroy();
    throw new RegistryError(`${what} is ${length} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`, undefined, 'invalid');
  }
  const data = await readLimited(res.body, MAX_MANIFEST_BYTES, what);
  return { data, contentType: header(res, 'content-type'), claimed: header(res, 'docker-content-digest') };
}

/** The reference's root document: by digest when pinned (verified), else by tag. */
export async function resolveRoot(repo: RepositoryClient): Promise<FetchedDocument> {
  const ref = manifestRef(repo.ref);
  const { data, contentType, claimed } = await getManifest(repo, ref);
  const digest = sha256(data);
  const what = `manifest ${repo.ref.domain}/${repo.ref.path}:${ref}`;
  const expected = repo.ref.digest ?? (claimed && /^sha256:/.test(claimed) ? claimed : undefined);
  if (expected && expected !== digest) throw new RegistryError(`${what}: content digest is ${digest}, expected ${expected}`, undefined, 'invalid');
  return { desc: { mediaType: mediaTypeOf(contentType, data, what), digest, size: data.length }, data };
}

/** A manifest named by a descriptor (from an index): size and digest must match. */
export async function fetchManifest(repo: RepositoryClient, desc: Descriptor): Promise<Buffer> {
  const what = `manifest ${desc.digest}`;
  if (desc.size > MAX_MANIFEST_BYTES) throw new RegistryError(`${what} declares ${desc.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`, undefined, 'invalid');
  const { data } = await getManifest(repo, desc.digest);
  const digest = sha256(data);
  if (digest !== desc.digest || data.length !== desc.size) {
    throw new RegistryError(`${what}: the registry sent ${data.length} bytes with digest ${digest}, expected ${desc.size} bytes`, undefined, 'invalid');
  }
  return data;
}
