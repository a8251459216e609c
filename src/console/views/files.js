// The file overlay: files served as they are to any phone that asks for their path.
import { get, request, upload } from '../api.js';
import { fill, h, table, time, field } from '../dom.js';
import { attempt, errorBox, heading, notify, progressBar, section } from '../ui.js';

function size(bytes) {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}

export async function render(main) {
  const listSlot = h('div');
  const file = h('input', { type: 'file', required: true });
  const path = h('input', {
    type: 'text',
    required: true,
    placeholder: 'firmware/fip14g.rom',
    spellcheck: 'false',
  });
  const progress = progressBar('Upload progress');
  progress.element.hidden = true;
  const slot = h('div', { role: 'status', 'aria-live': 'polite' });
  file.addEventListener('change', () => {
    if (file.files[0] && !path.value) path.value = file.files[0].name;
  });
  const form = h(
    'form',
    {
      class: 'inline-form',
      async onsubmit(event) {
        event.preventDefault();
        const chosen = file.files[0];
        if (!chosen) return;
        fill(slot);
        progress.element.hidden = false;
        try {
          const stored = await upload(
            'PUT',
            `/files/${encodePath(path.value.trim().replace(/^\/+/, ''))}`,
            chosen,
            (sent, total) => progress.set(sent, total),
          );
          progress.set(1, 1, `Stored ${stored.path}`);
          notify(`${stored.path} stored.`);
          load();
        } catch (error) {
          progress.element.hidden = true;
          fill(slot, errorBox(error));
        }
      },
    },
    field('File', file),
    field(
      'Path phones ask for',
      path,
      'Served to any phone that asks for this path and that no driver claims.',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Upload'),
  );
  main.append(
    heading('Files'),
    section('Upload a file', form, progress.element, slot),
    section('Stored files', listSlot),
  );
  async function load() {
    const files = await get('/files');
    fill(
      listSlot,
      table(
        'Stored files',
        ['Path', 'Type', 'Size', 'Changed', ''],
        files.map((f) => [
          h('code', {}, f.path),
          f.contentType,
          size(f.size),
          time(f.updatedAt),
          h(
            'button',
            {
              type: 'button',
              class: 'danger small',
              'aria-label': `Remove ${f.path}`,
              async onclick() {
                if (!confirm(`Remove ${f.path}?`)) return;
                if (await attempt(null, () => request('DELETE', `/files/${encodePath(f.path)}`)))
                  load();
              },
            },
            'Remove',
          ),
        ]),
        { class: 'stack', hideCaption: true, empty: 'No file is stored.' },
      ),
    );
  }
  await load();
}
