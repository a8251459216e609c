import type { PhoneFetch } from '../drivers/driver.ts';
import { isPlugndialError } from '../errors.ts';
import { tftpGet } from './tftp-client.ts';
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
        const tftpCode = isPlugndialError(error)
          ? (error.details?.['tftpCode'] as number | undefined)
          : undefined;
        return {
          status: tftpCode === 1 ? 404 : tftpCode === undefined ? 408 : 403,
          body: Buffer.alloc(0),
        };
      }
    }
    return { status: 400, body: Buffer.alloc(0) };
  };
}

export const phoneFetch: PhoneFetch = phoneFetcher();
