// TLS client certificates for a registry host, as containerd reads them: hosts.toml's `client`
// (a file holding certificate and key, a list of such files, or a list of [cert, key] pairs;
// relative paths are in the host's directory) and, as in Docker's certs.d layout, every
// `NAME.cert` there with its `NAME.key` (or the key inside the .cert file). Each pair is checked
// when read, so a bad file is named at once and not as a failed handshake later.
import { X509Certificate, createPrivateKey } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { invalid, systemError } from '../foundation/errors';

export interface ClientCert {
  cert: Buffer;
  key: Buffer;
}

function readPair(certFile: string, keyFile: string | undefined, where: string): ClientCert {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw systemError(`${where}: reading client certificate ${file}`, err);
    }
  };
  const cert = read(certFile);
  const key = keyFile ? read(keyFile) : cert;
  try {
    new X509Certificate(cert);
  } catch {
    throw invalid(`${where}: ${certFile} holds no PEM certificate`);
  }
  try {
    createPrivateKey(key);
  } catch {
    throw invalid(`${where}: ${keyFile ?? certFile} holds no PEM private key`);
  }
  return { cert, key };
}

/** The pairs hosts.toml's `client` value names. */
export function configuredClientCerts(dir: string, value: unknown, where: string): ClientCert[] {
  if (value === undefined) return [];
  const inDir = (p: unknown) => {
    if (typeof p !== 'string') throw invalid(`${where}: client must be a path, a list of paths or a list of [cert, key] pairs`);
    return path.isAbsolute(p) ? p : path.join(dir, p);
  };
  const entries = Array.isArray(value) ? value : [value];
  return entries.map((entry) => {
    if (!Array.isArray(entry)) return readPair(inDir(entry), undefined, where);
    if (entry.length !== 2) throw invalid(`${where}: a client pair must be [cert, key]`);
    return readPair(inDir(entry[0]), inDir(entry[1]), where);
  });
}

/** Docker's layout: NAME.cert with NAME.key beside it, in name order. */
export function directoryClientCerts(dir: string): ClientCert[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.cert')).sort().map((f) => {
    const key = path.join(dir, `${f.slice(0, -'.cert'.length)}.key`);
    return readPair(path.join(dir, f), fs.existsSync(key) ? key : undefined, dir);
  });
}
