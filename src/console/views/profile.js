// One profile: its settings (a form generated from the schema), what it inherits, the devices
// that use it.
import { get, query, request } from '../api.js';
import { count, fill, h, macText, table, field } from '../dom.js';
import { settingsForm } from '../settings-form.js';
import { attempt, heading, notify, section, sourceBadge } from '../ui.js';

export async function render(main, route) {
  const name = route.match[0];
  const path = `/profiles/${encodeURIComponent(name)}`;
  const [schema, profiles] = await Promise.all([get('/settings'), get('/profiles')]);
  const profile =
    profiles.find((p) => p.name === name) ??
    (name === 'default' ? { name, settings: {}, description: null } : await get(path));
  const slot = h('div');
  const devicesSlot = h('div');
  const formSlot = h('div');
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      async onclick() {
        if (!confirm(`Remove profile ${name}?`)) return;
        if (await attempt(slot, () => request('DELETE', path))) {
          notify(`Profile ${name} removed.`);
          location.hash = '#/profiles';
        }
      },
    },
    'Remove',
  );
  const resync = h(
    'a',
    { class: 'button', href: `#/bulk${query({ profile: name })}` },
    'Resync its phones',
  );
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/profiles' }, 'Profiles'), ' › '),
    heading(`Profile ${name}`, resync, name === 'default' ? null : remove),
    slot,
    section(
      'Inheritance',
      h(
        'p',
        {},
        sourceBadge('schema'),
        ' ◀ ',
        name === 'default'
          ? sourceBadge('profile:default')
          : [sourceBadge('profile:default'), ' ◀ ', sourceBadge(`profile:${name}`)],
        ' ◀ the device’s later profiles ◀ ',
        sourceBadge('device'),
      ),
    ),
    section('Settings', formSlot),
    section('Devices using it', devicesSlot),
  );
  const description = h('input', { type: 'text', value: profile.description ?? '' });
  const base =
    name === 'default' ? {} : (profiles.find((p) => p.name === 'default')?.settings ?? {});
  const origin = Object.fromEntries(Object.keys(base).map((key) => [key, 'profile:default']));
  const showForm = (own) =>
    fill(
      formSlot,
      h(
        'form',
        {
          class: 'inline-form',
          async onsubmit(event) {
            event.preventDefault();
            if (
              await attempt(slot, () =>
                request('PATCH', path, { json: { description: description.value.trim() } }),
              )
            )
              notify('Description saved.');
          },
        },
        field('Description', description),
        h('button', { type: 'submit' }, 'Save'),
      ),
      settingsForm({
        schema,
        own,
        effective: base,
        origin,
        async onSave(changes) {
          if (!Object.keys(changes.settings).length && !changes.unset.length)
            return notify('Nothing changed.');
          const saved = await attempt(slot, () => request('PATCH', path, { json: changes }));
          if (saved) {
            notify(`Profile ${name} saved; its phones get it at their next provisioning.`);
            if (saved.warnings?.length)
              slot.append(
                h(
                  'div',
                  { class: 'warn' },
                  h(
                    'ul',
                    {},
                    saved.warnings.map((w) => h('li', {}, w.problem ?? JSON.stringify(w))),
                  ),
                ),
              );
            showForm(saved.settings);
          }
        },
      }),
    );
  showForm(profile.settings);
  const page = await get(
    `/fleet/devices${query(name === 'default' ? { limit: 20 } : { profile: name, limit: 20 })}`,
  );
  fill(
    devicesSlot,
    h(
      'p',
      {},
      `${count(page.total)} devices`,
      name === 'default' ? ' (every device)' : '',
      '. ',
      h(
        'a',
        { href: `#/devices${query(name === 'default' ? {} : { profile: name })}` },
        'Show them all',
      ),
    ),
    table(
      'Some devices using it',
      ['MAC', 'Vendor', 'Model', 'User'],
      page.devices.map((d) => [
        h('a', { href: `#/devices/${d.mac}`, class: 'mono' }, macText(d.mac)),
        d.vendor,
        d.model ?? d.reportedModel ?? '—',
        d.user ?? '—',
      ]),
      { hideCaption: true, empty: 'No device uses it.' },
    ),
  );
}
