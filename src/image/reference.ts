// Image references normalised as Docker and containerd do: `busybox` is
// docker.io/library/busybox:latest, a first component with a dot, a port or named localhost is
// a registry host, a digest pins the content (a tag beside it is kept for the name only).
import { invalid } from '../foundation/errors';

export interface Reference {
  /** Registry host as users write it: docker.io, 127.0.0.1:5000, [::1]:5000. */
  domain: string;
  /** Repository path inside the registry: library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const MAX_NAME = 255;

export function parseReference(text: string): Reference {
  const bad = (why: string) => invalid(`image reference "${text}" is invalid: ${why}`);
  if (!text) throw bad('it is empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`digest "${digest}" must be sha256: and 64 lowercase hex digits`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag "${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || parts[0].startsWith('['))) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) throw bad(`registry host "${domain}" is not a host name`);
  }
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = 'docker.io';
  for (const p of parts) {
    if (!COMPONENT.test(p)) throw bad(`path component "${p}" must be lowercase letters, digits and separators`);
  }
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  if (domain.length + 1 + path.length > MAX_NAME) throw bad(`the name is longer than ${MAX_NAME} characters`);
  if (!tag && !digest) tag = 'latest';
  return { domain, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The repository's full name: docker.io/library/busybox. */
export const repositoryName = (r: Reference) => `${r.domain}/${r.path}`;

/** The normalised reference, as containerd names the image. */
export function formatReference(r: Reference): string {
  return `${repositoryName(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** What to ask the registry's manifests endpoint for: the digest when pinned, else the tag. */
export const manifestRef = (r: Reference) => r.digest ?? r.tag ?? 'latest';

/** The name containerd stores the image under: `busybox` → docker.io/library/busybox:latest. */
export const normalizeImageName = (text: string) => formatReference(parseReference(text));
