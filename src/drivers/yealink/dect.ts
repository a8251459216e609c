import { groupIndexes, type Settings } from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';
import type { Lines, MapContext, Rule } from './mapping-rules.ts';
import { isHandsetModel, modelName } from './models.ts';
import { numberList, transport } from './native-values.ts';

/**
 * The W-series DECT bases. Multi-cell systems (W75, W80, W90) point each account at a SIP
 * server template, `template.K.sip_server.1.*`, with `account.N.sip_server.template = K`;
 * handsets get a name and their accounts (`handset.N.*`); handset firmware goes over the air
 * from `over_the_air.url.<handset model>`. Sources: README.md ("W-series DECT").
 */

interface ServerTemplate {
  id: number;
  /** The account that first named this server: its keys are the template's source. */
  first: number;
  registrar: string;
  port?: string;
  transport?: string;
}

/** Accounts sharing registrar, port and transport share one template, numbered in account order. */
function serverTemplates(
  settings: Settings,
  max: number | undefined,
): {
  templates: ServerTemplate[];
  byAccount: Map<number, number>;
} {
  const templates: ServerTemplate[] = [];
  const byAccount = new Map<number, number>();
  const byServer = new Map<string, ServerTemplate>();
  for (const n of groupIndexes(settings, 'accounts')) {
    if (max !== undefined && n > max) continue;
    const registrar = settings[`accounts.${n}.registrar`];
    if (typeof registrar !== 'string') continue;
    const port = settings[`accounts.${n}.registrar_port`];
    const kind = settings[`accounts.${n}.transport`];
    const key = `${registrar}|${port ?? ''}|${kind ?? ''}`;
    let template = byServer.get(key);
    if (!template) {
      template = {
        id: templates.length + 1,
        first: n,
        registrar,
        ...(port !== undefined ? { port: String(port) } : {}),
        ...(kind !== undefined ? { transport: String(kind) } : {}),
      };
      templates.push(template);
      byServer.set(key, template);
    }
    byAccount.set(n, template.id);
  }
  return { templates, byAccount };
}

/** `template.K.*` lines, one template per distinct server, before the accounts that use them. */
export function templateLines(context: MapContext): Lines {
  const { settings } = context;
  const { templates, byAccount } = serverTemplates(settings, context.model?.dect?.accounts);
  const entries: NativeEntry[] = [];
  for (const t of templates) {
    const from = (key: string): string => `accounts.${t.first}.${key}`;
    const line = (key: string, value: string, source: string): void => {
      entries.push({ key: `template.${t.id}.${key}`, value, from: from(source) });
    };
    line('name', t.registrar, 'registrar');
    line('sip_server.1.address', t.registrar, 'registrar');
    if (t.port !== undefined) line('sip_server.1.port', t.port, 'registrar_port');
    const type = t.transport === undefined ? undefined : transport(t.transport);
    if (type !== undefined) line('sip_server.1.transport_type', type, 'transport');
  }
  const used: string[] = [];
  for (const n of byAccount.keys()) {
    for (const key of ['registrar', 'registrar_port', 'transport']) {
      if (settings[`accounts.${n}.${key}`] !== undefined) used.push(`accounts.${n}.${key}`);
    }
  }
  const notes = templates.map(
    (t) =>
      `server template ${t.id} (${t.registrar}) for accounts ${[...byAccount]
        .filter(([, id]) => id === t.id)
        .map(([n]) => n)
        .join(',')}`,
  );
  return { entries, used, notes };
}

/** Each account names its server by template. */
export const templateRule: Rule = {
  from: 'accounts.N.registrar',
  to: 'account.N.sip_server.template',
  compute: (context, n) => {
    const id = serverTemplates(context.settings, context.model?.dect?.accounts).byAccount.get(n);
    return id === undefined ? undefined : String(id);
  },
};

/**
 * Handset N: its name, the accounts it rings for and dials out with, and its default outgoing
 * account, which the base takes only when it is one of those accounts.
 */
export const handsetRules: readonly Rule[] = [
  { from: 'handsets.N.name', to: 'handset.N.name' },
  { from: 'handsets.N.accounts', to: 'handset.N.incoming_lines', convert: numberList },
  { from: 'handsets.N.accounts', to: 'handset.N.dial_out_lines', convert: numberList },
  {
    from: 'handsets.N.account',
    to: 'handset.N.dial_out_default_line',
    compute: (context, n) => {
      const account = String(context.settings[`handsets.${n}.account`]);
      const accounts = context.settings[`handsets.${n}.accounts`];
      if (accounts === undefined) return account;
      const list = Array.isArray(accounts) ? accounts : String(accounts).split(',');
      return list.map((a) => a.trim()).includes(account) ? account : undefined;
    },
  },
];

/** Handset images from the catalogue, one `over_the_air.url.<model>` each. */
export function otaLines(context: MapContext): Lines {
  const entries: NativeEntry[] = [];
  const notes: string[] = [];
  for (const target of context.accessories ?? []) {
    if (!isHandsetModel(target.model)) continue;
    const model = modelName(target.model);
    entries.push({
      key: `over_the_air.url.${model.toLowerCase()}`,
      value: target.url,
      from: 'firmware.accessories',
    });
    notes.push(`firmware.accessories → ${model} ${target.version} over the air`);
  }
  return { entries, used: entries.length > 0 ? ['firmware.accessories'] : [], notes };
}
