// Images as CRI sees them: one image per config digest (its ID), with every name pointing at
// it as a repo tag (name:tag) or repo digest (name@manifest digest). Found by name, short name
// (docker.io/library/ and :latest implied), full ID or ID without "sha256:".
import { Client, hasCode } from '../../client/client';
import { ContentAccess } from '../../client/documents';
import { chainIds } from '../../image/chain';
import { normalizeImageName } from '../../image/reference';
import { ImageConfig, parseConfig, parseIndex, parseManifest, selectManifest } from '../../image/documents';
import { isIndex } from '../../image/media-types';
import { hostPlatform } from '../../image/platform';
import { Message, asStatus } from './store';

export interface CriImage {
  id: string;
  names: string[];
  manifestDigest: string;
  target: Message;
  config: ImageConfig;
  topChainId: string;
  size: number;
}

interface Resolved { id: string; manifestDigest: string; config: ImageConfig; topChainId: string; size: number }

export class ImageIndexView {
  /** Resolution per target digest: images are immutable once written. */
  private readonly cache = new Map<string, Resolved>();
  /** The last listing, until an image of the namespace changes (see invalidate). */
  private listed: Promise<CriImage[]> | undefined;

  constructor(private readonly client: Client) {}

  /** An image was created, updated or deleted: the next list() asks the image store again. */
  invalidate(): void {
    this.listed = undefined;
  }

  /** Every image with its names; one images.List per change of the image store, not per call. */
  list(): Promise<CriImage[]> {
    if (!this.listed) {
      const listing = this.listNow();
      this.listed = listing;
      listing.catch(() => { if (this.listed === listing) this.listed = undefined; });
    }
    return this.listed;
  }

  private async resolve(target: Message): Promise<Resolved> {
    const hit = this.cache.get(target.digest);
    if (hit) return hit;
    const content = new ContentAccess(this.client);
    let manifest = { digest: target.digest as string, mediaType: target.media_type as string };
    if (isIndex(manifest.mediaType)) manifest = selectManifest(parseIndex(await content.read(manifest.digest)), hostPlatform());
    const m = parseManifest(await content.read(manifest.digest), `image manifest ${manifest.digest}`);
    const config = parseConfig(await content.read(m.config.digest), `image config ${m.config.digest}`);
    const chain = chainIds(config.rootfs.diff_ids);
    const resolved = {
      id: m.config.digest, manifestDigest: manifest.digest, config, topChainId: chain[chain.length - 1] ?? '',
      size: m.layers.reduce((sum, l) => sum + l.size, m.config.size),
    };
    this.cache.set(target.digest, resolved);
    return resolved;
  }

  private async listNow(): Promise<CriImage[]> {
    let images: Message[];
    try {
      ({ images } = await this.client.unary('images', 'List', { filters: [] }));
    } catch (err) {
      throw asStatus(err);
    }
    const byId = new Map<string, CriImage>();
    for (const image of images) {
      let r: Resolved;
      try {
        r = await this.resolve(image.target);
      } catch {
        continue; // content missing (a partial import): not an image kubelet can use
      }
      const entry: CriImage = byId.get(r.id) ?? { ...r, names: [], target: image.target };
      entry.names.push(image.name);
      byId.set(r.id, entry);
    }
    return [...byId.values()];
  }

  /** The image a reference or ID names, or undefined. */
  async find(ref: string): Promise<CriImage | undefined> {
    const images = await this.list();
    const bare = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
    const byId = images.find((i) => i.id === bare);
    if (byId) return byId;
    let name: string;
    try {
      name = normalizeImageName(ref);
    } catch {
      return undefined;
    }
    return images.find((i) => i.names.includes(name) || i.names.includes(ref));
  }

  /** Removes every name of the image; idempotent. */
  async remove(image: CriImage): Promise<void> {
    for (const name of image.names) {
      try {
        await this.client.unary('images', 'Delete', { name, sync: false });
      } catch (err) {
        if (!hasCode(err, 'NOT_FOUND')) throw asStatus(err);
      }
    }
  }
}

/** repo tags and repo digests as ListImages/ImageStatus give them. */
export function criImageMessage(image: CriImage): Message {
  const tags = image.names.filter((n) => !n.includes('@'));
  const repos = new Set(image.names.map((n) => n.split('@')[0].replace(/:[^/:]+$/, '')));
  const user = image.config.config?.User ?? '';
  const uid = /^\d+/.test(user) ? { value: Number(user.split(':')[0]) } : null;
  return {
    id: image.id,
    repo_tags: tags,
    repo_digests: [...repos].map((r) => `${r}@${image.manifestDigest}`),
    size: image.size,
    uid,
    username: uid ? '' : user.split(':')[0],
    spec: { image: image.id, annotations: {} },
    pinned: false,
  };
}
