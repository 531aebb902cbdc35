#!/usr/bin/env node
// The `prodlike` command: the CLI is bundled into one file (dist/cli/main.mjs) so that it starts fast.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/main.mjs', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('prodlike: the CLI is not built yet. Run `npm install` (it builds), or `npm run build`, in ' + fileURLToPath(new URL('..', import.meta.url)));
  process.exit(1);
}
await import(cli.href);
