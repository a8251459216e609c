/**
 * The HTTPS door's key, certificate and client CAs, as a secure context takes them: at start,
 * and for `setSecureContext` when they are reloaded (connections open keep theirs).
 */
export function secureContextOptions(tls: { key: Buffer; cert: Buffer; ca?: Buffer }): {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  minVersion: 'TLSv1.2';
} {
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2', ...(tls.ca ? { ca: tls.ca } : {}) };
}
