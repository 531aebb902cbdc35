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
  asar: boolean;
  afterPack: string;
}
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  // Loading the schema validator takes 3 s alone, more on a loaded machine.
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

  it('packs the app into an asar and sets the fuses in an afterPack hook that exists and exports it', async () => {
    expect(config.asar).toBe(true);
    expect(config.afterPack).toBe('./scripts/after-pack.mjs');
    const hook = (await import(path.join(root, config.afterPack))) as { afterPack?: unknown; default?: unknown };
    expect(typeof hook.afterPack).toBe('function');
    expect(hook.default).toBe(hook.afterPack);
  });

  it('lists @electron/fuses, which the hook imports, among the devDependencies', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies['@electron/fuses']).toBeDefined();
  });

  it('builds on a supported Electron major (the three latest get security fixes; 45 is the latest today)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const installed = (JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;
    expect(Number(/\d+/.exec(pkg.devDependencies.electron!)![0])).toBeGreaterThanOrEqual(45);
    expect(Number(installed.split('.')[0])).toBeGreaterThanOrEqual(45);
  });
});
