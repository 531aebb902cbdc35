// Electron cannot be downloaded here, so `npm run dist` cannot run; the packaging config is checked
// with electron-builder's own validation (its JSON schema, scheme.json) instead.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../../..');
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, debug: { isEnabled: boolean; add(k: string, v: unknown): void }): Promise<void>;
};
const debug = { isEnabled: false, add: () => undefined };
interface BuilderConfig {
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
  extraResources: unknown[];
  extraMetadata: { main: string };
  files: string[];
}
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  // Loading electron-builder's schema takes seconds on a busy machine: a generous bound.
  it("passes electron-builder's own schema validation", { timeout: 30_000 }, async () => {
    await expect(validateConfiguration(config, debug)).resolves.toBeUndefined();
  });

  it('the validation is real: an unknown option is rejected', async () => {
    await expect(validateConfiguration({ ...config, notAnOption: true }, debug)).rejects.toThrow(/configuration/);
  });

  it('builds AppImage and deb on Linux, dmg on macOS, nsis on Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('ships the example profiles as extra resources (where main.ts looks for them)', () => {
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'profiles', to: 'profiles' }));
    expect(readFileSync(path.join(root, 'electron/main/main.ts'), 'utf8')).toContain("path.join(process.resourcesPath, 'profiles')");
  });

  it('packages the built main process that package.json names', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(config.extraMetadata.main).toBe(pkg.main);
    expect(config.files).toContain('dist/electron/**');
    expect(config.files).toContain('dist/renderer/**');
  });
});
