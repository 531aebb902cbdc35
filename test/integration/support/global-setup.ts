// The CLI tests run the built bundle (dist/cli), as a user would: build it from the sources first, so a
// test never passes or fails against a stale dist/ (esbuild: about a second).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runTmp } from '../../support/test-tmp.js';

export default function setup(): () => void {
  const root = path.resolve(import.meta.dirname, '../../..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet', '--only=cli'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the CLI failed');
  // Made last: a setup that fails leaves nothing to remove.
  return runTmp('integration');
}
