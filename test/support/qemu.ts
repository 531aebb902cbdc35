// Whether the QEMU tools the VM tests need are installed; the tests skip (and say why) without them.

import { execFileSync } from 'node:child_process';

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The missing tools, after printing why the file's tests are skipped when any is missing. */
export function missingQemu(what: string): string[] {
  const missing = ['qemu-system-x86_64', 'qemu-img'].filter((c) => !which(c));
  if (missing.length) console.log(`${what} skipped: QEMU is not installed (${missing.join(', ')} not found)`);
  return missing;
}
