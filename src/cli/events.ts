import { dataDirOf, parse, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';
import type { SecurityEvent } from '../model/credentials.ts';
import type { ProvisioningEvent } from '../model/event.ts';

const USAGE = `plugndial events [--mac M] [--since T] [--until T] [--limit N] [--json]
plugndial events --security [--mac M] [--since T] [--limit N] [--json]
--security: blocked addresses, first contacts, credential rotations.`;

export async function eventsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, {
    mac: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    security: { type: 'boolean' },
  });
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const q = new URLSearchParams();
  for (const name of ['mac', 'since', 'until', 'limit']) {
    if (typeof values[name] === 'string') q.set(name, values[name] as string);
  }
  const client = await connect(dataDirOf(values));
  try {
    if (values['security']) {
      q.delete('until');
      const events = await client.request<SecurityEvent[]>(
        'GET',
        `/security-events${q.size ? `?${q}` : ''}`,
      );
      if (values['json']) io.out(`${JSON.stringify(events, null, 2)}\n`);
      else
        io.out(
          table(
            ['TIME', 'KIND', 'ADDRESS', 'MAC', 'DETAIL'],
            events.map((e) => [e.at, e.kind, e.address ?? '-', e.mac ?? '-', e.detail ?? '']),
          ),
        );
      return 0;
    }
    const events = await client.request<ProvisioningEvent[]>(
      'GET',
      `/events${q.size ? `?${q}` : ''}`,
    );
    if (values['json']) io.out(`${JSON.stringify(events, null, 2)}\n`);
    else
      io.out(
        table(
          ['TIME', 'MAC', 'TRANSPORT', 'ADDRESS', 'FILE', 'STATUS', 'BYTES', 'MS'],
          events.map((e) => [
            e.at,
            e.mac ?? '-',
            e.transport,
            e.address,
            e.file,
            String(e.status),
            String(e.bytes),
            String(e.durationMs),
          ]),
        ),
      );
    return 0;
  } finally {
    await client.close();
  }
}
