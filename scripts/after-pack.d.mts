// Types of the afterPack hook (after-pack.mjs is plain JS, as electron-builder loads it without a build).
import type { FuseV1Config } from '@electron/fuses';

export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { executableName: string; appInfo: { productFilename: string } };
}

export function fuseConfig(platform: string, arch: number): FuseV1Config & { resetAdHocDarwinSignature: boolean };
export function electronBinaryPath(context: Omit<PackContext, 'arch'>): string;
export function afterPack(context: PackContext): Promise<void>;
export default afterPack;
