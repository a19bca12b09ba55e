// Image references as containerd stores them: a bare name gets docker.io (and library/ for a
// single path component) and :latest when it carries neither tag nor digest.
import { invalid } from '../foundation/errors';

const REFERENCE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function normalizeImageName(name: string): string {
  if (!REFERENCE.test(name)) throw invalid(`image name "${name}" is not a valid reference`);
  const [repo] = name.split('@');
  const slash = repo.indexOf('/');
  const first = slash < 0 ? '' : repo.slice(0, slash);
  // A first component is a registry when it looks like a host (has a dot or port, or is localhost).
  const hasRegistry = first !== '' && (/[.:]/.test(first) || first === 'localhost');
  let full = name;
  if (!hasRegistry) full = `docker.io/${slash < 0 ? 'library/' : ''}${name}`;
  const lastPart = full.split('@')[0].split('/').pop()!;
  if (!lastPart.includes(':') && !full.includes('@')) full += ':latest';
  return full;
}
