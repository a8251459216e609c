import type { PhoneFetch } from '../drivers/driver.ts';
import { isPlugndialError } from '../errors.ts';
import { tftpCodeOf, tftpGet } from './tftp-client.ts';
import { ftpGet } from './ftp-client.ts';
import { httpGet, type KeptConnections, type PhoneTls } from './http-client.ts';

/** Where the phone sends from: its own address, as each phone of a site has one. */
export interface PhoneSource {
  localAddress?: string;
  /** Its own keep-alive connections over HTTP(S), for the caller to close when it is done. */
  connections?: KeptConnections;
}

/**
 * A phone's client for any URL it is given: HTTP(S) with its User-Agent and, when asked,
 * its credentials and certificate; FTP with its login; or TFTP. All from `source` when given.
 */
export function phoneFetcher(tls: PhoneTls = {}, source: PhoneSource = {}): PhoneFetch {
  const from = source.localAddress ? { localAddress: source.localAddress } : {};
  const kept = source.connections ? { connections: source.connections } : {};
  return async (url, options = {}) => {
    const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      return httpGet(url, {
        tls,
        ...from,
        ...kept,
        ...(options.userAgent ? { userAgent: options.userAgent } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.upload ? { upload: options.upload } : {}),
      });
    }
    // TFTP and FTP uploads are not played: the doors refuse writes (TFTP access violation, FTP 550).
    if (options.upload) return { status: 405, body: Buffer.alloc(0) };
    if (scheme === 'ftp') {
      return ftpGet(url, {
        ...from,
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
    }
    if (scheme === 'tftp') {
      try {
        return { status: 200, body: await tftpGet(url, { blksize: 512, tsize: true, ...from }) };
      } catch (error) {
        return { status: tftpStatus(error), body: Buffer.alloc(0) };
      }
    }
    return { status: 400, body: Buffer.alloc(0) };
  };
}

export const phoneFetch: PhoneFetch = phoneFetcher();

/**
 * A failed TFTP read as the HTTP status the phone scripts read: the server's error 1 is
 * "not here", 2 "not for you"; no answer in time is a timeout; a host that cannot be reached
 * or a transfer that broke is the server's failure; a URL that is no TFTP URL, the caller's.
 */
function tftpStatus(error: unknown): number {
  const code = tftpCodeOf(error);
  if (code === 1) return 404;
  if (code === 2) return 403;
  if (code !== undefined) return 502;
  if (!isPlugndialError(error)) return 502;
  switch (error.code) {
    case 'PND_TFTP_TIMEOUT':
      return 408;
    case 'PND_INVALID_ARGUMENT':
      return 400;
    case 'PND_SERVER_UNREACHABLE':
      return 503;
    default:
      return 502;
  }
}
