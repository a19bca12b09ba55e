// TOML files (containerd's config format, the shim's runtime config) read with smol-toml, a
// complete TOML 1.0 parser; a document it refuses is reported as one line with file, line and
// column. The only importer of smol-toml.
import { TomlError, parse } from 'smol-toml';
import { invalid } from './errors';

export type Table = Record<string, unknown>;

export function parseToml(text: string, file: string): Table {
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message is "Invalid TOML document: <why>" followed by a code excerpt.
    const why = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    const at = (text.split(/\r?\n/)[err.line - 1] ?? '').slice(err.column - 1).trim().slice(0, 40);
    throw invalid(`config ${file}, line ${err.line}, column ${err.column}: ${why}${at ? ` at "${at}"` : ''}`);
  }
}
