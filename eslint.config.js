import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportDeclaration[source.value=/drivers\\/(yealink|fanvil|gigaset|auerswald|oem|snom|poly|grandstream|cisco)\\//]',
          message: 'Vendor code is reached through drivers/registry.ts only.',
        },
      ],
    },
  },
  {
    // The console's pages: plain ES modules run by the browser, no build step.
    files: ['src/console/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'history',
          'sessionStorage',
          'fetch',
          'EventSource',
          'XMLHttpRequest',
          'URLSearchParams',
          'Node',
          'confirm',
          'setTimeout',
          'clearTimeout',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['src/drivers/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  ...layers(),
);

/**
 * Imports point down (ARCHITECTURE.md, "Layers"): each folder may import the ones below it,
 * never one above. Lowest first; folders on one line are peers and do not import each other
 * unless listed as allowed.
 */
function layers() {
  const order = [
    ['model', 'formats', 'crypto'],
    ['store', 'drivers'],
    ['provisioning', 'dhcp'],
    ['transports', 'sip', 'tr069'],
    ['simulate', 'config', 'management'],
    ['api'],
    ['cli'],
  ];
  /** Peer imports that are the design, not an accident. */
  const peers = { tr069: ['transports'], management: ['config'] };
  /** Lower folders a folder still must not reach: a door speaks a protocol, not a vendor. */
  const never = { transports: ['drivers'] };
  const composition = ['server', 'runtime', 'main'];
  return order.flatMap((line, level) =>
    line.map((folder) => {
      const above = order.slice(level + 1).flat();
      const beside = line.filter((f) => f !== folder && !(peers[folder] ?? []).includes(f));
      // The commands start the server: only they may reach the composition root.
      const forbidden = [
        ...above,
        ...beside,
        ...(never[folder] ?? []),
        ...(folder === 'cli' ? [] : composition),
      ];
      return {
        files: [`src/${folder}/**`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^(\\.\\./)+(${forbidden.join('|')})(/|\\.ts$)`,
                  message: `src/${folder}/ sits below these folders: imports point down (ARCHITECTURE.md, "Layers").`,
                },
              ],
            },
          ],
        },
      };
    }),
  );
}
