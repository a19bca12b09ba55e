// Drops the code cache of Node's built-in modules from a Node startup-snapshot blob, keeping the
// V8 heap and its compiled functions. A blob built with code cache holds, after the heap, one
// entry per built-in module (~3.7 MB of 8.8 MB for runts) that the process reads and copies at
// every start, yet a program whose modules were all loaded while the snapshot was built never
// compiles a built-in again (runts run: none). `withoutCodeCache` is no substitute: it also
// clears the compiled functions from the heap, so every function compiles again at run time.
// The entries are the blob's last field (Node's src/node_snapshotable.cc, SnapshotData::ToBlob):
// a count, then per module its id and its cache, each as a 64-bit length and bytes; the field is
// found as the one run of entries that ends exactly at the end of the blob, and becomes an empty
// list. A layout this does not recognise leaves the blob as it is.
'use strict';
const fs = require('fs');

const MAX_ENTRIES = 4096;
const MAX_ID_LENGTH = 256;

/** Offset where `count` entries from `at` end, or -1 when they are not well-formed entries. */
function entriesEnd(blob, at) {
  const count = blob.readBigUInt64LE(at);
  if (count < 1n || count > BigInt(MAX_ENTRIES)) return -1;
  let offset = at + 8;
  for (let i = 0; i < Number(count); i++) {
    if (offset + 8 > blob.length) return -1;
    const idLength = Number(blob.readBigUInt64LE(offset));
    if (idLength < 1 || idLength > MAX_ID_LENGTH || offset + 8 + idLength + 8 > blob.length) return -1;
    for (let c = offset + 8; c < offset + 8 + idLength; c++) if (blob[c] <= 0x20 || blob[c] >= 0x7f) return -1;
    offset += 8 + idLength;
    const cacheLength = blob.readBigUInt64LE(offset);
    if (cacheLength > BigInt(blob.length)) return -1;
    offset += 8 + Number(cacheLength);
    if (offset > blob.length) return -1;
  }
  return offset;
}

/** Offset of the built-in code cache list: a count whose first entry's id is a module name. */
function codeCacheOffset(blob) {
  const firstEntry = /[\x01-\xff]\x00{7}[a-z_]/g;
  const text = blob.toString('latin1');
  for (let m = firstEntry.exec(text); m; m = firstEntry.exec(text)) {
    const at = m.index - 8;
    if (at >= 0 && entriesEnd(blob, at) === blob.length) return at;
    firstEntry.lastIndex = m.index + 1;
  }
  return -1;
}

/** Rewrites the blob at file without the built-in code cache; returns the bytes dropped, 0 if none. */
function dropBuiltinCodeCache(file) {
  const blob = fs.readFileSync(file);
  const at = codeCacheOffset(blob);
  if (at < 0) return 0;
  const emptyList = Buffer.alloc(8);
  fs.writeFileSync(file, Buffer.concat([blob.subarray(0, at), emptyList]));
  return blob.length - at - emptyList.length;
}

module.exports = { dropBuiltinCodeCache };
