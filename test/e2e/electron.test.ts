// The desktop app itself, through playwright-core's Electron driver. Runs where Electron's binary is
// installed; elsewhere (here: it downloads from outside the npm registry) it is skipped, saying why.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper shared with scripts/start.mjs
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { ROOT } from './support/web-app';

const bin = (electronBinary as () => string | null)();
if (!bin) console.log("electron.test.ts skipped: Electron's binary is not installed here (it downloads from outside the npm registry).");

describe.skipIf(!bin)('the Electron app', () => {
  it('opens one locked-down window that lists the profiles over IPC', async () => {
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    expect(built.status).toBe(0);
    const app = await electron.launch({ executablePath: bin!, args: [ROOT] });
    try {
      const win = await app.firstWindow();
      await win.getByRole('navigation', { name: 'Profiles' }).waitFor();
      // The preload exposes the API and nothing of Node (context isolation, sandbox, no integration).
      expect(await win.evaluate('typeof window.prodlike')).toBe('object');
      expect(await win.evaluate('Object.keys(window.prodlike).sort().join()')).toBe('call,subscribe');
      expect(await win.evaluate('typeof require')).toBe('undefined');
      expect(await win.evaluate('typeof process')).toBe('undefined');
      // Navigation away is refused.
      await win.evaluate("window.location.href = 'https://example.com/'");
      await win.waitForTimeout(300);
      expect(win.url()).toMatch(/^app:\/\/prodlike\//);
      const info = (await win.evaluate("window.prodlike.call('app:info', undefined)")) as { mode: string };
      expect(info.mode).toBe('electron');
    } finally {
      await app.close();
    }
  });
});
