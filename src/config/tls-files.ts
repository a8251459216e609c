import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

import { selfSignedCertificate } from '../crypto/x509.ts';
import { pndError } from '../errors.ts';

/** Where the generated certificate and key live inside the data directory. */
export const TLS_DIR = 'tls';
export const CERT_FILE = 'server.crt';
export const KEY_FILE = 'server.key';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** Concatenated CA bundles for client certificates, when configured. */
  ca?: Buffer;
  /** The certificate file in use, for the log. */
  certPath: string;
  /** A certificate was made on this start. */
  created: boolean;
}

export interface TlsOptions {
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  clientCaFiles: readonly string[];
  /** The host phones use: the public URL's, else the HTTPS door's address. */
  host: string;
  now: Date;
}

const VALIDITY_DAYS = 3650;

/**
 * The HTTPS door's key and certificate: the operator's files, or a self-signed certificate
 * for `host` made on first start and kept in `<data dir>/tls`, readable by the owner only.
 * It is made again only when it expired or does not name the host any more.
 */
export function tlsMaterial(options: TlsOptions): TlsMaterial {
  const ca =
    options.clientCaFiles.length > 0
      ? Buffer.concat(options.clientCaFiles.map((file) => readPem(file, '--client-ca')))
      : undefined;
  if (options.certFile && options.keyFile) {
    return {
      cert: readPem(options.certFile, '--tls-cert'),
      key: readPem(options.keyFile, '--tls-key'),
      certPath: options.certFile,
      created: false,
      ...(ca ? { ca } : {}),
    };
  }
  const dir = join(options.dataDir, TLS_DIR);
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readOwn(certPath);
    const key = readOwn(keyPath);
    if (stillGood(cert, options.host, options.now)) {
      return { cert, key, certPath, created: false, ...(ca ? { ca } : {}) };
    }
  }
  const pair = selfSignedCertificate({
    commonName: options.host,
    altNames: altNames(options.host),
    notBefore: new Date(options.now.getTime() - 3_600_000),
    notAfter: new Date(options.now.getTime() + VALIDITY_DAYS * 86_400_000),
  });
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    // Written aside and renamed: a crash never leaves half a key in place.
    writeFileSync(`${keyPath}.new`, pair.key, { mode: 0o600 });
    writeFileSync(`${certPath}.new`, pair.cert, { mode: 0o600 });
    renameSync(`${keyPath}.new`, keyPath);
    renameSync(`${certPath}.new`, certPath);
  } catch (error) {
    throw pndError(
      'PND_DATA_DIR',
      `cannot keep the TLS certificate in ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}; check the data directory's permissions or pass --tls-cert and --tls-key`,
    );
  }
  return {
    cert: Buffer.from(pair.cert),
    key: Buffer.from(pair.key),
    certPath,
    created: true,
    ...(ca ? { ca } : {}),
  };
}

/** The names a generated certificate carries: the host, and loopback for local tools. */
function altNames(host: string): string[] {
  return [...new Set([host, 'localhost', '127.0.0.1', '::1'])];
}

function stillGood(pem: Buffer, host: string, now: Date): boolean {
  try {
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) <= now.getTime() + 86_400_000) return false;
    return isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

/** The certificate or key this server made for itself, in its data directory. */
function readOwn(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw pndError(
      'PND_TLS_FILE',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}), the certificate plugndial made for itself; check that the service's user may read it, or remove it to have a new one made`,
    );
  }
}

function readPem(file: string, flag: string): Buffer {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    throw pndError(
      'PND_TLS_FILE',
      `${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and that the service's user may read it`,
    );
  }
  if (!text.includes('-----BEGIN ')) {
    throw pndError('PND_TLS_FILE', `${flag}: ${file} is not a PEM file`);
  }
  return text;
}
