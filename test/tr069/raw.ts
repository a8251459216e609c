import { Agent, request } from 'node:http';

/** A CPE's HTTP exchanges written by hand: one keep-alive connection unless told otherwise. */
export class RawCpe {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  cookie: string | undefined;

  constructor(readonly url: string) {}

  post(
    body: string,
    options: {
      headers?: Record<string, string>;
      useCookie?: boolean;
      chunked?: boolean;
      agent?: Agent;
    } = {},
  ): Promise<{
    status: number;
    body: string;
    headers: Record<string, string | string[] | undefined>;
  }> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(body);
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: options.agent ?? this.agent,
          timeout: 10_000,
          headers: {
            ...(options.chunked
              ? { 'transfer-encoding': 'chunked' }
              : { 'content-length': payload.length }),
            ...(options.useCookie && this.cookie ? { cookie: this.cookie } : {}),
            ...options.headers,
          },
        },
        (response) => {
          const setCookie = response.headers['set-cookie']?.[0];
          if (setCookie) this.cookie = setCookie.split(';')[0];
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: response.headers,
            }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** An Inform as TR-069 Amendment 6 annex examples and seed 004's phone write it. */
export function informBody(options: {
  namespace?: string;
  events: string[];
  serial?: string;
  mac?: string;
  id?: string;
  parameters?: [string, string][];
}): string {
  const ns = options.namespace ?? 'urn:dslforum-org:cwmp-1-0';
  const params: [string, string][] = [
    ['InternetGatewayDevice.DeviceInfo.HardwareVersion', '1.0'],
    ['InternetGatewayDevice.DeviceInfo.SoftwareVersion', '2.10.2.6887'],
    ['InternetGatewayDevice.ManagementServer.ConnectionRequestURL', 'http://127.0.0.1:9/cr'],
    ['InternetGatewayDevice.ManagementServer.ParameterKey', ''],
    ...(options.mac
      ? [
          ['InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.MACAddress', options.mac] as [
            string,
            string,
          ],
        ]
      : []),
    ...(options.parameters ?? []),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:cwmp="${ns}">
<SOAP-ENV:Header>
<cwmp:ID SOAP-ENV:mustUnderstand="1">${options.id ?? '1'}</cwmp:ID>
</SOAP-ENV:Header>
<SOAP-ENV:Body SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<cwmp:Inform>
<DeviceId>
<Manufacturer>Fanvil</Manufacturer>
<OUI>0C383E</OUI>
<ProductClass>X4</ProductClass>
<SerialNumber>${options.serial ?? '0c383e07e16c'}</SerialNumber>
</DeviceId>
<Event SOAP-ENC:arrayType="cwmp:EventStruct[${options.events.length}]">
${options.events.map((e) => `<EventStruct>\n<EventCode>${e}</EventCode>\n<CommandKey></CommandKey>\n</EventStruct>`).join('\n')}
</Event>
<MaxEnvelopes>1</MaxEnvelopes>
<CurrentTime>2014-03-20T16:44:24</CurrentTime>
<RetryCount>0</RetryCount>
<ParameterList SOAP-ENC:arrayType="cwmp:ParameterValueStruct[${params.length}]">
${params.map(([n, v]) => `<ParameterValueStruct>\n<Name>${n}</Name>\n<Value xsi:type="xsd:string">${v}</Value>\n</ParameterValueStruct>`).join('\n')}
</ParameterList>
</cwmp:Inform>
</SOAP-ENV:Body>
</SOAP-ENV:Envelope>
`;
}

export function transferCompleteBody(
  commandKey: string,
  faultCode: number,
  namespace = 'urn:dslforum-org:cwmp-1-0',
): string {
  return `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="${namespace}">
<SOAP-ENV:Header><cwmp:ID SOAP-ENV:mustUnderstand="1">tc-1</cwmp:ID></SOAP-ENV:Header>
<SOAP-ENV:Body><cwmp:TransferComplete>
<CommandKey>${commandKey}</CommandKey>
<FaultStruct><FaultCode>${faultCode}</FaultCode><FaultString>${faultCode ? 'Download failure' : ''}</FaultString></FaultStruct>
<StartTime>2014-03-20T16:44:29</StartTime><CompleteTime>2014-03-20T16:44:34</CompleteTime>
</cwmp:TransferComplete></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** A response to the ACS's request, echoing its cwmp:ID. */
export function responseBody(
  method: string,
  id: string,
  inner = '',
  namespace = 'urn:dslforum-org:cwmp-1-0',
): string {
  return `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="${namespace}">
<SOAP-ENV:Header><cwmp:ID SOAP-ENV:mustUnderstand="1">${id}</cwmp:ID></SOAP-ENV:Header>
<SOAP-ENV:Body><cwmp:${method}>${inner}</cwmp:${method}></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

export function idOf(body: string): string {
  return /<cwmp:ID[^>]*>([^<]*)</.exec(body)?.[1] ?? '';
}

export function methodOf(body: string): string {
  return /<soap-env:Body>\s*<(?:cwmp:)?([A-Za-z]+)/.exec(body)?.[1] ?? '';
}
