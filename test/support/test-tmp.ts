// One temporary folder per test run, removed when the run ends: the suites' workspaces (each with its
// data folder, apt's kept lists among them: up to 84 MB each), keys, registries and homes are made
// under os.tmpdir(), and were left behind (7.4 GB of them in /tmp on a developer's machine). The
// global setup points TMPDIR (which os.tmpdir() reads, as do the docker, ssh and qemu the tests run)
// at the run's folder; the test processes are started after it, and inherit it.
// PRODLIKE_TEST_KEEP_TMP=1 keeps the folder, and says where it is. Several stages in one vitest process
// (`npx vitest run`) make their folders side by side in the original temp folder, not one inside the
// other (paths stay short enough for the sockets made under them).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function runTmp(name: string): () => void {
  const root = (process.env.PRODLIKE_TEST_TMP_ROOT ??= os.tmpdir());
  const dir = mkdtempSync(path.join(root, `pl-test-${name}-`));
  process.env.TMPDIR = dir;
  return () => {
    if (process.env.PRODLIKE_TEST_KEEP_TMP === '1') return void console.log(`the ${name} tests' temporary files are kept in ${dir}`);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
