// Phonebooks: contact lists per profile or device; a CSV import shows the parsed rows first.
import { get, query, request } from '../api.js';
import { count, fill, h, table, time, field } from '../dom.js';
import { attempt, heading, notify, section } from '../ui.js';

function ownerPath(kind, name) {
  return kind === 'device'
    ? `/phonebooks/devices/${encodeURIComponent(name.replace(/[\s:.-]/g, '').toLowerCase())}`
    : `/phonebooks/profiles/${encodeURIComponent(name)}`;
}

function ownerText(owner) {
  return owner.device ? `device ${owner.device}` : `profile ${owner.profile}`;
}

export async function render(main) {
  const listSlot = h('div');
  const kind = h(
    'select',
    {},
    h('option', { value: 'profile' }, 'a profile'),
    h('option', { value: 'device' }, 'a device'),
  );
  const name = h('input', { type: 'text', required: true, value: 'default', spellcheck: 'false' });
  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const text = h('textarea', {
    rows: 6,
    spellcheck: 'false',
    placeholder: 'name,office,mobile,other,group\nReception,100,,,Office',
  });
  const slot = h('div', { role: 'status', 'aria-live': 'polite' });
  const previewSlot = h('div');
  file.addEventListener('change', async () => {
    if (file.files[0]) text.value = await file.files[0].text();
  });
  let checked;
  const store = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      hidden: true,
      async onclick() {
        const saved = await attempt(slot, () =>
          request('PUT', ownerPath(checked.kind, checked.name), {
            body: checked.csv,
            type: 'text/csv',
          }),
        );
        if (saved) {
          notify(`${count(saved.contacts.length)} contacts stored for ${ownerText(saved.owner)}.`);
          store.hidden = true;
          fill(previewSlot);
          load();
        }
      },
    },
    'Import these contacts',
  );
  const form = h(
    'form',
    {
      class: 'inline-form',
      async onsubmit(event) {
        event.preventDefault();
        store.hidden = true;
        fill(previewSlot);
        const csv = text.value;
        const parsed = await attempt(slot, () =>
          request('PUT', `${ownerPath(kind.value, name.value.trim())}${query({ check: true })}`, {
            body: csv,
            type: 'text/csv',
          }),
        );
        if (!parsed) {
          slot.prepend(
            h(
              'p',
              { class: 'notice bad' },
              'Nothing was stored. Fix the rows below and preview again.',
            ),
          );
          return;
        }
        checked = { kind: kind.value, name: name.value.trim(), csv };
        fill(
          previewSlot,
          h(
            'p',
            {},
            `${count(parsed.contacts.length)} contacts read for ${ownerText(parsed.owner)}; nothing is stored yet.`,
          ),
          table(
            'Parsed contacts',
            ['Name', 'Office', 'Mobile', 'Other', 'Group'],
            parsed.contacts.map((c) => [
              c.name,
              c.office ?? '',
              c.mobile ?? '',
              c.other ?? '',
              c.group ?? '',
            ]),
            { hideCaption: false },
          ),
        );
        store.hidden = false;
      },
    },
    field('For', kind),
    field('Profile name or MAC', name),
    field('CSV file', file),
    field(
      'or paste the CSV',
      text,
      'Columns name,office,mobile,other,group; the list replaces the old one whole.',
    ),
    h('button', { type: 'submit' }, 'Preview'),
  );
  main.append(
    heading('Phonebooks'),
    section('Import a CSV', form, slot, previewSlot, store),
    section('Contact lists', listSlot),
  );
  async function load() {
    const lists = await get('/phonebooks');
    fill(
      listSlot,
      table(
        'Contact lists',
        ['Owner', 'Contacts', 'Changed', ''],
        lists.map((list) => [
          list.owner.device
            ? h('a', { href: `#/devices/${list.owner.device}` }, ownerText(list.owner))
            : h(
                'a',
                { href: `#/profiles/${encodeURIComponent(list.owner.profile)}` },
                ownerText(list.owner),
              ),
          count(list.contacts),
          time(list.updatedAt),
          h(
            'button',
            {
              type: 'button',
              class: 'danger small',
              async onclick() {
                if (!confirm(`Remove the phonebook of ${ownerText(list.owner)}?`)) return;
                const path = list.owner.device
                  ? ownerPath('device', list.owner.device)
                  : ownerPath('profile', list.owner.profile);
                if (await attempt(null, () => request('DELETE', path))) load();
              },
            },
            'Remove',
          ),
        ]),
        { class: 'stack', hideCaption: true, empty: 'No phonebook yet.' },
      ),
    );
  }
  await load();
}
