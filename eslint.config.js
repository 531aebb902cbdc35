// Lint: typescript-eslint's recommended rules, React hooks rules for the renderer, and the layer rules
// of the design as import restrictions (the engine knows nothing of Electron; the renderer and shared/
// know nothing of Node).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeModules = ['node:*', 'fs', 'path', 'os', 'child_process', 'dockerode', 'node-ssh', 'ssh2', 'net', 'http', 'crypto'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts', 'electron/api/**/*.ts', 'electron/web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The engine, CLI and web host run without Electron.' }] }],
    },
  },
  {
    // The engine is a Node library: the front ends (CLI, API handlers, web server, Electron main and
    // preload) use it; it never reaches up into them.
    files: ['electron/engine/**/*.ts'],
    ignores: ['electron/engine/resources/*-resource.ts', 'electron/engine/resources/attrs.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The engine, CLI and web host run without Electron.' }],
        patterns: [{ group: ['**/cli/*', '**/api/*', '**/web/*', '**/main/*', '**/preload/*', '**/renderer/**'], message: 'The engine never imports a front end (cli, api, web, main, preload, renderer).' }],
      }],
    },
  },
  {
    // Resource kinds build shell text with sh`` (sh-command.ts), which quotes every value by its type.
    files: ['electron/engine/resources/*-resource.ts', 'electron/engine/resources/attrs.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'electron', message: 'The engine, CLI and web host run without Electron.' },
          ...['./sh.js', './sh-command.js'].map((name) => ({ name, importNames: ['shq'], message: 'Build shell text with sh`` so that every value is quoted by construction.' })),
        ],
      }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeModules, 'electron', 'react'], message: 'shared/ is pure TypeScript: no Node, no DOM, no Electron.' }] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeModules, 'electron', '**/electron/**'], message: 'The renderer talks only to window.prodlike (shared/api.ts).' }] }],
    },
  },
);
