import { pndError } from '../errors.ts';
import { dataDirOf, parse, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';
import { SECURITY_EVENT_KINDS, type SecurityEvent } from '../model/credentials.ts';
import type { ProvisioningEvent } from '../model/event.ts';

const USAGE = `plugndial events [--mac M] [--since T] [--until T] [--reason R] [--failed] [--node N] [--limit N] [--json]
plugndial events --security [--kind K] [--mac M] [--since T] [--limit N] [--json]
--reason: only events of this reason, e.g. unknown-device; --failed: only status 400 or more
  and faults phones reported; --node: only what this node served (several nodes, one store).
--security: blocked addresses, first contacts, credential rotations, limits reached, refused
  admin tokens; --kind: only of this kind:
${wrap(SECURITY_EVENT_KINDS.join(', '), '  ')}`;

/** Words joined into lines of at most 96 characters, each after `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > 96) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, indent + line].join('\n');
}

export async function eventsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, {
    mac: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    security: { type: 'boolean' },
    kind: { type: 'string' },
    reason: { type: 'string' },
    failed: { type: 'boolean' },
    node: { type: 'string' },
  });
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const security = values['security'] === true;
  // Each filter belongs to one of the two logs; one given to the other would be ignored.
  const misplaced = security
    ? ['until', 'reason', 'failed', 'node'].find((name) => values[name] !== undefined)
    : values['kind'] !== undefined
      ? 'kind'
      : undefined;
  if (misplaced)
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `--${misplaced} ${security ? 'is for provisioning events, not with --security' : 'is for security events: add --security'} (plugndial events --help)`,
    );
  const q = new URLSearchParams();
  for (const name of ['mac', 'since', 'until', 'limit', 'kind', 'reason', 'node']) {
    if (typeof values[name] === 'string') q.set(name, values[name] as string);
  }
  if (values['failed']) q.set('failed', 'true');
  const client = await connect(dataDirOf(values));
  try {
    if (security) {
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
    else {
      // Several nodes share the store: each event says which one served it.
      const nodes = events.some((e) => e.node !== undefined);
      io.out(
        table(
          [
            'TIME',
            'MAC',
            'TRANSPORT',
            'ADDRESS',
            'FILE',
            'STATUS',
            'BYTES',
            'MS',
            ...(nodes ? ['NODE'] : []),
          ],
          events.map((e) => [
            e.at,
            e.mac ?? '-',
            e.transport,
            e.address,
            e.file,
            String(e.status),
            String(e.bytes),
            String(e.durationMs),
            ...(nodes ? [e.node ?? '-'] : []),
          ]),
        ),
      );
    }
    return 0;
  } finally {
    await client.close();
  }
}
