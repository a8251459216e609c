// Valid inputs the mutators start from: what phones and operators send, and the golden files
// the drivers' tests keep.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
} from '../../src/transports/tftp/packet.ts';
import { informBody } from '../../test/tr069/raw.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Every golden file of the drivers' tests with one of these endings. */
function golden(ending: string): string[] {
  const drivers = join(ROOT, 'test/drivers');
  const out: string[] = [];
  for (const driver of readdirSync(drivers)) {
    const dir = join(drivers, driver, 'golden');
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const file of files.sort())
      if (file.endsWith(ending)) out.push(readFileSync(join(dir, file), 'utf8'));
  }
  return out;
}

export const TFTP_PACKETS: Buffer[] = [
  encodeRequest('rrq', 'y000000000000.cfg', 'octet', [
    ['tsize', '0'],
    ['blksize', '1468'],
    ['timeout', '5'],
    ['windowsize', '16'],
  ]),
  encodeRequest('rrq', 'prov\\0021f2000001.cfg', 'netascii'),
  encodeRequest('wrq', 'logs/0021f2000001.log', 'octet'),
  Buffer.concat([encodeRequest('rrq', 'SPA504G.cfg', 'octet'), Buffer.alloc(6)]),
  encodeData(1, Buffer.from('#!version:1.0.0.1\n')),
  encodeAck(65535),
  encodeError(8, 'option refused'),
  encodeOack([
    ['blksize', '1468'],
    ['tsize', '2560'],
  ]),
];

const CRLF = '\r\n';

export const SIP_MESSAGES: Buffer[] = [
  [
    'SUBSCRIBE sip:MAC%3a0021f2000001@224.0.1.75 SIP/2.0',
    'Via: SIP/2.0/UDP 10.1.1.5:5060;branch=z9hG4bKfz;rport',
    'From: "P" <sip:MAC%3a0021f2000001@224.0.1.75>;tag=1',
    'To: <sip:MAC%3a0021f2000001@224.0.1.75>',
    'Call-ID: fz@10.1.1.5',
    'CSeq: 1 SUBSCRIBE',
    'Contact: <sip:10.1.1.5:5060>',
    'Event: ua-profile;profile-type="device";vendor="Yealink";model="T46S";version="66.84.0.15"',
    'Expires: 0',
    'Content-Length: 0',
    '',
    '',
  ].join(CRLF),
  [
    'SIP/2.0 401 Unauthorized',
    'v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc',
    'WWW-Authenticate: Digest realm="p", nonce="n", qop="auth,auth-int", algorithm=MD5-sess, opaque="o"',
    'CSeq: 1 NOTIFY',
    'l: 5',
    '',
    'hello',
  ].join(CRLF),
  [
    'NOTIFY sip:100@10.0.0.7:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
    'f: <sip:plugndial@10.0.0.1>;tag=a',
    't: <sip:100@10.0.0.7>',
    'i: 1@10.0.0.1',
    'CSeq: 2 NOTIFY',
    'o: check-sync;reboot=false',
    'Subscription-State: terminated',
    '',
    '',
  ].join('\n'),
].map((text) => Buffer.from(text, 'utf8'));

export const HTTP_HEADS: string[] = [
  'GET /0021f2000001.cfg HTTP/1.1\r\nHost: x',
  'GET /prov/0021f2000001.cfg?x=1 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37\r\nConnection: keep-alive',
  'HEAD /firmware/T46-28.83.0.50.rom HTTP/1.0\r\nConnection: keep-alive\r\nRange: bytes=0-1023\r\nIf-None-Match: "abc"',
  'GET /snomD785.htm HTTP/1.1\r\nHost: prov.example.com\r\nAuthorization: Basic dXNlcjpwYXNz\r\nX-Forwarded-For: 10.0.0.9\r\nContent-Length: 0',
];

export const FTP_LINES: string[] = [
  'USER anonymous\r\n',
  'PASS secret\r\n',
  'CWD /prov/../yealink\r\n',
  'RETR 0021f2000001.cfg\r\n',
  'TYPE A N\r\n',
  'OPTS UTF8 ON\r\n',
  'PASV\r\n',
];

export const CSV_FILES: string[] = [
  ...golden('.csv'),
  'mac,vendor,model,profile,accounts.1.user\r\n0021f2000001,yealink,T46S,office,"100"\r\n',
  'Name,Telephone\n"Doe, ""JD"" John",101\n"multi\nline",102\n',
];

export const XML_FILES: string[] = golden('.xml');

export const SOAP_ENVELOPES: string[] = [
  // A phone's first Inform, as the ACS tests write it (seed 004, TR-069 Amendment 6 annexes).
  informBody({ events: ['0 BOOTSTRAP', '1 BOOT'] }),
  `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">
<SOAP-ENV:Header><cwmp:ID SOAP-ENV:mustUnderstand="1">tc-1</cwmp:ID></SOAP-ENV:Header>
<SOAP-ENV:Body><cwmp:TransferComplete>
<CommandKey>fw-1</CommandKey>
<FaultStruct><FaultCode>9010</FaultCode><FaultString>Download failure</FaultString></FaultStruct>
<StartTime>2014-03-20T16:44:29</StartTime><CompleteTime>2014-03-20T16:44:34</CompleteTime>
</cwmp:TransferComplete></SOAP-ENV:Body></SOAP-ENV:Envelope>`,
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><FaultCode>9005</FaultCode><FaultString>Invalid parameter name</FaultString></cwmp:Fault></detail></soap:Fault></soap:Body></soap:Envelope>`,
];

export const USER_AGENTS: string[] = [
  'Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37',
  'Yealink SIP-T46G 28.72.0.1 0015654AA937',
  'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)',
  'Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)',
  'Fanvil X4 2.10.2.6887 0c383e07e16c',
  'Flyingvoice FIP14G V0.5.15 00:21:f2:00:00:01',
  'Gigaset Maxwell 3/2.22.7+build.a1b2c3d;7C2F80000001',
  'Gigaset N870 IP PRO/83.V2.40.0',
  'Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859',
  'Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8',
  'FileTransport PolyCCX-CCX_600-UA/8.0.2.3267 (SN:482567b5313f) Type/Application',
  'Cisco-CP-7832-3PCC/11.0.1 (00562b043615)',
  'Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)',
  'Auerswald COMfortel D400 2.8A',
];

export const PATHS: string[] = [
  '/prov/0021f2000001.cfg',
  'prov\\0021f2000001.cfg',
  '/gigaset/84/1/7c2f80000001/nvm/updates.xml',
  '/auerswald/00095200000E/settings.xml',
  '/%2e%2e/etc/passwd',
  '/firmware/yealink/SIP-T46G/28.83.0.50/T46G-28.83.0.50.rom',
  '/snomD785.htm',
];
