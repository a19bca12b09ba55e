// containerd's identifier rule, used for namespaces and leases: alphanumerics joined by single
// '.', '_' or '-', at most 76 characters.
import { invalid } from '../foundation/errors';

const IDENTIFIER = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const MAX_LENGTH = 76;

export function validateIdentifier(kind: string, id: string): void {
  if (!id) throw invalid(`${kind} name must not be empty`);
  if (id.length > MAX_LENGTH) {
    throw invalid(`${kind} name "${id}" is longer than ${MAX_LENGTH} characters`);
  }
  if (!IDENTIFIER.test(id)) {
    throw invalid(`${kind} name "${id}" is invalid: use letters and digits joined by single '.', '_' or '-'`);
  }
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Only sha256 digests are stored, as containerd's local store does by default. */
export function validateDigest(digest: string): void {
  if (!DIGEST.test(digest)) {
    throw invalid(`digest "${digest}" is invalid: expected sha256: followed by 64 lowercase hex digits`);
  }
}
