// The afterPack hook electron-builder.yml names, run on a stand-in Electron binary that carries a real
// fuse wire (the sentinel, version 1, Electron's default states), read back with @electron/fuses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fuses from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterPack, electronBinaryPath, fuseConfig } from '../../../scripts/after-pack.mjs';

const { FuseV1Options, getCurrentFuseWire } = fuses;
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = '1'.charCodeAt(0);
const DISABLE = '0'.charCodeAt(0);
// Electron's own defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, ASAR
// integrity off, app only from ASAR off, browser V8 snapshot off, file:// extra privileges on.
const DEFAULT_WIRE = '10110001';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prodlike-fuses-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fakeElectron(file: string): Promise<void> {
  const wire = Buffer.concat([Buffer.from(SENTINEL), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE)]);
  await writeFile(file, Buffer.concat([Buffer.alloc(4096, 7), wire, Buffer.alloc(4096, 9)]));
}

const linuxContext = () => ({ appOutDir: dir, electronPlatformName: 'linux', arch: 1, packager: { executableName: 'prodlike', appInfo: { productFilename: 'Prodlike' } } });

describe('Electron fuses (scripts/after-pack.mjs)', () => {
  it('turns off RunAsNode, NODE_OPTIONS and --inspect, turns on cookie encryption, ASAR integrity and ASAR-only loading', async () => {
    const binary = path.join(dir, 'prodlike');
    await fakeElectron(binary);
    await afterPack(linuxContext());
    const wire = (await getCurrentFuseWire(binary)) as Record<number, number>;
    expect(wire[FuseV1Options.RunAsNode]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ENABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ENABLE);
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(DISABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(DISABLE);
  });

  it('decides every fuse of the wire explicitly', () => {
    const config = fuseConfig('linux', 1) as Record<string, unknown>;
    const fuseCount = Object.keys(FuseV1Options).filter((k) => /^\d+$/.test(k)).length;
    for (let i = 0; i < fuseCount; i++) expect(typeof config[i], `fuse ${FuseV1Options[i]}`).toBe('boolean');
  });

  it('redoes the ad-hoc signature only for Apple silicon macOS builds', () => {
    expect(fuseConfig('darwin', 3).resetAdHocDarwinSignature).toBe(true);
    expect(fuseConfig('darwin', 1).resetAdHocDarwinSignature).toBe(false);
    expect(fuseConfig('linux', 3).resetAdHocDarwinSignature).toBe(false);
  });

  it('finds the binary electron-builder packed on each platform', () => {
    const packager = { executableName: 'prodlike', appInfo: { productFilename: 'Prodlike' } };
    expect(electronBinaryPath({ appOutDir: '/out', electronPlatformName: 'linux', packager })).toBe(path.join('/out', 'prodlike'));
    expect(electronBinaryPath({ appOutDir: '/out', electronPlatformName: 'win32', packager })).toBe(path.join('/out', 'Prodlike.exe'));
    expect(electronBinaryPath({ appOutDir: '/out', electronPlatformName: 'darwin', packager })).toBe(path.join('/out', 'Prodlike.app'));
    expect(electronBinaryPath({ appOutDir: '/out', electronPlatformName: 'mas', packager })).toBe(path.join('/out', 'Prodlike.app'));
  });

  it('fails the build when the binary has no fuse wire (rather than shipping unfused)', async () => {
    await writeFile(path.join(dir, 'prodlike'), Buffer.alloc(1024));
    await expect(afterPack(linuxContext())).rejects.toThrow(/sentinel/);
  });
});
