// Pending phones: phones that asked by plug-and-play and are not devices; claim or forget.
import { get, request } from '../api.js';
import { fill, h, macText, table, time, field } from '../dom.js';
import { attempt, heading, notify, section } from '../ui.js';

export async function render(main) {
  const listSlot = h('div');
  const claimSlot = h('div');
  main.append(
    heading('Pending phones'),
    h(
      'p',
      { class: 'muted' },
      'Phones that asked this server by plug-and-play and are not devices yet.',
    ),
    section('Waiting', listSlot),
    claimSlot,
  );
  const profiles = await get('/profiles');

  function claim(phone) {
    const vendor = h('input', {
      type: 'text',
      value: phone.vendor ?? '',
      required: true,
      spellcheck: 'false',
    });
    const model = h('input', { type: 'text', value: phone.model ?? '', spellcheck: 'false' });
    const chosen = h(
      'select',
      { multiple: true, size: Math.min(5, Math.max(2, profiles.length)) },
      profiles
        .filter((p) => p.name !== 'default')
        .map((p) => h('option', { value: p.name }, p.name)),
    );
    const user = h('input', { type: 'text', spellcheck: 'false' });
    const password = h('input', { type: 'password', autocomplete: 'new-password' });
    const slot = h('div');
    fill(
      claimSlot,
      section(
        `Claim ${macText(phone.mac)}`,
        h(
          'form',
          {
            class: 'inline-form',
            async onsubmit(event) {
              event.preventDefault();
              const settings = {};
              if (user.value.trim()) settings['accounts.1.user'] = user.value.trim();
              if (password.value) settings['accounts.1.password'] = password.value;
              const body = {
                vendor: vendor.value.trim(),
                ...(model.value.trim() ? { model: model.value.trim() } : {}),
                profiles: [...chosen.selectedOptions].map((o) => o.value),
                ...(Object.keys(settings).length ? { settings } : {}),
              };
              const device = await attempt(slot, () =>
                request('POST', `/pending/${phone.mac}/claim`, { json: body }),
              );
              if (device) {
                notify(`${macText(device.mac)} is a device now.`);
                location.hash = `#/devices/${device.mac}`;
              }
            },
          },
          field('Vendor', vendor),
          field('Model', model),
          field('Profiles', chosen),
          field(
            'accounts.1.user',
            user,
            'Optional; every other setting can be set on the device page.',
          ),
          field('accounts.1.password', password),
          h('button', { type: 'submit', class: 'primary' }, 'Claim'),
          slot,
        ),
      ),
    );
    vendor.focus();
  }

  async function load() {
    const pending = await get('/pending');
    fill(
      listSlot,
      table(
        'Pending phones',
        ['MAC', 'Vendor', 'Model', 'Firmware', 'Address', 'First seen', 'Last seen', 'Asked', ''],
        pending.map((phone) => [
          h('span', { class: 'mono' }, macText(phone.mac)),
          phone.vendor ?? '?',
          phone.model ?? '?',
          phone.firmware ?? '',
          phone.address,
          time(phone.firstSeen),
          time(phone.lastSeen),
          String(phone.sightings),
          h(
            'span',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', class: 'small primary', onclick: () => claim(phone) },
              'Claim',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                async onclick() {
                  if (await attempt(null, () => request('DELETE', `/pending/${phone.mac}`))) load();
                },
              },
              'Forget',
            ),
          ),
        ]),
        { class: 'stack', hideCaption: true, empty: 'No phone is waiting.' },
      ),
    );
  }
  await load();
}
