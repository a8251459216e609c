// Valid inputs for the phone side: the files each driver renders (its golden files), what an
// ACS, an FTP, HTTP or TFTP server and udhcpc hand a phone, as this project writes them.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { encodeBinary } from '../../src/drivers/grandstream/binary.ts';
import type { Mac } from '../../src/model/mac.ts';
import { DEFAULT_NAMESPACE, writeEnvelope } from '../../src/tr069/soap.ts';
import { FILE_TYPES, rpcBody, type AcsRpc } from '../../src/tr069/session.ts';
import { encodeData, encodeError, encodeOack } from '../../src/transports/tftp/packet.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Every file under a driver's golden folder, its own renderings, nested folders included. */
function goldenFiles(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? goldenFiles(path) : [readFileSync(path)];
  });
}

/** By driver name: what its server side renders, which its phone script reads. */
export const PHONE_FILES: ReadonlyMap<string, Buffer[]> = new Map(
  readdirSync(join(ROOT, 'test/drivers'))
    .filter((name) => statSync(join(ROOT, 'test/drivers', name)).isDirectory())
    .map((name) => {
      const files = goldenFiles(join(ROOT, 'test/drivers', name, 'golden'));
      // The legacy binary cfg<mac> has no golden file: the encoder's own output stands in.
      if (name === 'grandstream')
        files.push(
          encodeBinary(
            [
              { name: 'P47', value: 'sip.example.com' },
              { name: 'P2', value: 'a&b=c%' },
            ],
            '000b82000001' as Mac,
          ),
        );
      return [name, files] as const;
    }),
);

const RPCS: AcsRpc[] = [
  {
    kind: 'Download',
    commandKey: 'cfg-1',
    fileType: FILE_TYPES.config,
    url: 'http://10.0.0.1:8080/0021f2000001.cfg',
    username: 'cpe',
    password: 'secret',
    fileSize: 0,
    targetFileName: '0021f2000001.cfg',
  },
  { kind: 'Reboot', commandKey: 'reboot-1' },
  {
    kind: 'GetParameterValues',
    names: ['Device.DeviceInfo.SoftwareVersion', 'Device.ManagementServer.'],
  },
  {
    kind: 'SetParameterValues',
    values: [
      { name: 'Device.ManagementServer.PeriodicInformInterval', value: '3600' },
      { name: 'Device.ManagementServer.ParameterKey', value: 'k1' },
    ],
    parameterKey: 'k1',
  },
];

/** The ACS's requests, as its session writes them; [3] is SetParameterValues. */
export const ACS_REQUESTS: string[] = RPCS.map((rpc, i) =>
  writeEnvelope(DEFAULT_NAMESPACE, `acs-${i}`, rpcBody(rpc)),
);

export const DIGEST_CHALLENGES: string[] = [
  'Digest realm="plugndial", nonce="abc123", qop="auth", algorithm=MD5',
  'Digest realm="p", nonce="n", algorithm=SHA-256, qop="auth,auth-int", opaque="o", Digest realm="p", nonce="n"',
  'Basic realm="provisioning", Digest realm="a, b", nonce="x\\"y", algorithm=MD5-sess',
];

export const FTP_REPLIES: string[] = [
  '220 plugndial FTP\r\n331 Password required\r\n230 Logged in\r\n',
  '220-Welcome\r\n220-to the provisioning server\r\n220 ready\r\n',
  '200 Type set to I\r\n229 Entering Extended Passive Mode (|||40123|)\r\n150 Opening\r\n226 Done\r\n',
  '550 No such file\n221 Bye\n',
];

/** What a TFTP server sends a reading phone: OACKs, data blocks, an error. */
export const TFTP_ANSWERS: Buffer[] = [
  encodeOack([
    ['blksize', '512'],
    ['tsize', '700'],
  ]),
  encodeOack([['windowsize', '4']]),
  encodeData(1, Buffer.alloc(512, 0x61)),
  encodeData(2, Buffer.from('line\r\nnext\r\0end')),
  encodeData(1, Buffer.from('#!version:1.0.0.1\n')),
  encodeError(1, 'File not found'),
];

export const DHCP_LEASES: string[] = [
  [
    'udhcpc: started',
    'PND-LEASE-BEGIN',
    'ip=10.9.0.133',
    'mask=24',
    'serverid=10.9.0.1',
    'bootfile=<HWTYP>.bak',
    'tftp=bad',
    'opt43=420b687474703a2f2f666f6f00',
    'opt114=687474703a2f2f78',
    'PND-LEASE-END',
  ].join('\n'),
];
