// ESLint flat config: typescript-eslint's recommended rules, without type information so a full
// run stays fast. Formatting is Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', '.tap/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_name` marks an argument or binding kept for its position or its signature.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Empty catch blocks are how best-effort cleanup reads; a comment inside says why.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // A gateway validates hostile input: regexes that reject control characters are deliberate.
      'no-control-regex': 'off',
    },
  },
  {
    // Browser code: the shell, hooks and console run in pages, not in Node.
    files: ['inject/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Test and benchmark code reaches into pages with playwright's evaluate, which runs in the browser.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
