// `prodlike … | head`: a reader that closes the pipe early must not get Node's EPIPE stack trace on the
// terminal. The CLI ends quietly with 141 (128 + SIGPIPE), as a command that SIGPIPE ends does.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/prodlike.mjs'), ...args], {
      env: { ...process.env, PRODLIKE_NO_AGENT: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the CLI has started, so its first write meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed stdout (prodlike … | head)', () => {
  it('ends with 141 and says nothing on stderr: no EPIPE stack trace', async () => {
    const r = await withClosedStdout(['--help']);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(node:|Error/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
  });
});
