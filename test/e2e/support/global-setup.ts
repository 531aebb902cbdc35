// Builds the renderer once for all end-to-end files (the server serves dist/renderer).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runTmp } from '../../support/test-tmp.js';

export default function setup(): () => void {
  const root = path.resolve(import.meta.dirname, '../../..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet', '--only=renderer'], {
    cwd: root,
    stdio: 'inherit',
    // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error('building the renderer failed');
  // Made last: a setup that fails leaves nothing to remove.
  return runTmp('e2e');
}
