// Pushing an image from a content store: blobs first (skipped when the registry has them,
// mounted from another repository of the same registry when the blob's distribution-source
// label names one, uploaded in one PUT otherwise), then the manifests a child index entry
// names, then the root document under the tag.
import { Descriptor, parseIndex, parseManifest } from '../image/documents';
import { isIndex, isManifest } from '../image/media-types';
import { RuntsError } from '../foundation/errors';
import { RepositoryClient } from './client';
import { RegistryError, header } from './http';
import { manifestRef } from '../image/reference';
import { ContentTarget } from './target';

export interface PushEvents {
  blob?(desc: Descriptor, how: 'exists' | 'mounted' | 'uploaded'): void;
  manifest?(desc: Descriptor, ref: string): void;
}

interface Plan {
  blobs: Descriptor[];
  /** Children manifests (and nested indexes), deepest first; the root is pushed last. */
  manifests: Descriptor[];
}

async function plan(content: ContentTarget, desc: Descriptor, out: Plan, root: boolean): Promise<void> {
  if (isIndex(desc.mediaType)) {
    const index = parseIndex(await content.read(desc.digest), `image index ${desc.digest}`);
    // As containerd: only the platforms this store holds are pushed.
    for (const child of index.manifests) if (await content.has(child.digest)) await plan(content, child, out, false);
  } else if (isManifest(desc.mediaType)) {
    const manifest = parseManifest(await content.read(desc.digest), `image manifest ${desc.digest}`);
    for (const blob of [manifest.config, ...manifest.layers]) {
      if (!out.blobs.some((b) => b.digest === blob.digest)) out.blobs.push(blob);
    }
  } else {
    throw new RuntsError(`cannot push ${desc.digest}: media type ${desc.mediaType} is neither a manifest nor an index`, 'unsupported');
  }
  if (!root) out.manifests.push(desc);
}

async function blobExists(repo: RepositoryClient, desc: Descriptor): Promise<boolean> {
  const res = await repo.send({ method: 'HEAD', path: `blobs/${desc.digest}`, accept: [200, 404] });
  await res.body.dump().catch(() => undefined);
  return res.status === 200;
}

/** Where the blob came from on this registry (label set by a pull), if another repository. */
async function mountSource(repo: RepositoryClient, content: ContentTarget, desc: Descriptor): Promise<string | undefined> {
  const labels = await content.labels(desc.digest);
  const source = labels[`containerd.io/distribution.source.${repo.ref.domain}`];
  return source?.split(',').find((s) => s && s !== repo.ref.path);
}

async function pushBlob(repo: RepositoryClient, content: ContentTarget, desc: Descriptor): Promise<'exists' | 'mounted' | 'uploaded'> {
  if (await blobExists(repo, desc)) return 'exists';
  const from = await mountSource(repo, content, desc);
  const start = await repo.send({
    method: 'POST',
    path: from ? `blobs/uploads/?mount=${desc.digest}&from=${encodeURIComponent(from)}` : 'blobs/uploads/',
    scopes: from ? [`repository:${from}:pull`] : [],
    accept: [201, 202],
  });
  await start.body.dump().catch(() => undefined);
  if (start.status === 201) return 'mounted';
  const location = header(start, 'location');
  if (!location) throw new RegistryError(`push of ${desc.digest}: the registry gave no upload location`);
  const url = new URL(location, start.url);
  url.searchParams.set('digest', desc.digest);
  const put = await repo.send({
    method: 'PUT',
    path: url.toString(),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body: content.stream(desc.digest),
    accept: [201, 204],
  }, start.endpoint);
  await put.body.dump().catch(() => undefined);
  return 'uploaded';
}

async function pushManifest(repo: RepositoryClient, content: ContentTarget, desc: Descriptor, ref: string): Promise<void> {
  const res = await repo.send({
    method: 'PUT',
    path: `manifests/${ref}`,
    headers: { 'content-type': desc.mediaType },
    body: await content.read(desc.digest),
    accept: [200, 201, 202, 204],
  });
  await res.body.dump().catch(() => undefined);
  const stored = header(res, 'docker-content-digest');
  if (stored && stored !== desc.digest) {
    throw new RegistryError(`push of manifest ${desc.digest}: the registry stored it as ${stored}`);
  }
}

/** Pushes `target` (an image's root descriptor, held by `content`) to the repository's tag. */
export async function pushImage(repo: RepositoryClient, content: ContentTarget, target: Descriptor, events: PushEvents = {}): Promise<void> {
  const work: Plan = { blobs: [], manifests: [] };
  await plan(content, target, work, true);
  for (const blob of work.blobs) events.blob?.(blob, await pushBlob(repo, content, blob));
  for (const m of work.manifests) {
    await pushManifest(repo, content, m, m.digest);
    events.manifest?.(m, m.digest);
  }
  const ref = manifestRef(repo.ref);
  await pushManifest(repo, content, target, ref);
  events.manifest?.(target, ref);
}
