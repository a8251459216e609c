// Profiles: each with its description, how many devices use it; a new one.
import { get, query, request } from '../api.js';
import { count, h, table, field, time } from '../dom.js';
import { attempt, heading, notify, section } from '../ui.js';

export async function render(main) {
  const [profiles, overview] = await Promise.all([get('/profiles'), get('/fleet/overview')]);
  const using = new Map(overview.profiles.map((p) => [p.profile, p.devices]));
  const name = h('input', {
    type: 'text',
    required: true,
    pattern: '[A-Za-z0-9._-]+',
    spellcheck: 'false',
  });
  const description = h('input', { type: 'text' });
  const slot = h('div');
  main.append(
    heading('Profiles'),
    h(
      'p',
      { class: 'muted' },
      'A device takes the schema defaults, then the default profile, then its own profiles in order, then its own settings.',
    ),
    table(
      'Profiles',
      ['Name', 'Description', 'Settings', 'Devices', 'Changed'],
      profiles.map((p) => [
        h('a', { href: `#/profiles/${encodeURIComponent(p.name)}` }, p.name),
        p.description ?? '',
        count(Object.keys(p.settings).length),
        p.name === 'default'
          ? 'all'
          : h(
              'a',
              { href: `#/devices${query({ profile: p.name })}` },
              count(using.get(p.name) ?? 0),
            ),
        time(p.updatedAt),
      ]),
      { hideCaption: true, empty: 'No profile yet.' },
    ),
    section(
      'New profile',
      h(
        'form',
        {
          class: 'inline-form',
          async onsubmit(event) {
            event.preventDefault();
            const made = await attempt(slot, () =>
              request('POST', '/profiles', {
                json: {
                  name: name.value.trim(),
                  ...(description.value.trim() ? { description: description.value.trim() } : {}),
                },
              }),
            );
            if (made) {
              notify(`Profile ${made.name} added.`);
              location.hash = `#/profiles/${encodeURIComponent(made.name)}`;
            }
          },
        },
        field('Name', name),
        field('Description', description),
        h('button', { type: 'submit', class: 'primary' }, 'Add profile'),
        slot,
      ),
    ),
  );
}
