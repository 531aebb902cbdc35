// electron-builder's afterPack hook (electron-builder.yml): sets Electron's fuses in the packaged
// binary. It runs after the app is packed and before it is signed, as fuses must (they change the
// binary, so a signature made earlier would break). docs/app.md says why each fuse is set as it is.
import path from 'node:path';
import fuses from '@electron/fuses';

const { flipFuses, FuseV1Options, FuseVersion } = fuses;

// builder-util's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4.
const ARM64 = 3;

/** Every fuse of wire V1 decided explicitly; none left to Electron's default. */
export function fuseConfig(platform, arch) {
  return {
    version: FuseVersion.V1,
    // ELECTRON_RUN_AS_NODE=1 would turn the signed app into a plain Node that runs any script.
    [FuseV1Options.RunAsNode]: false,
    // Cookies on disk encrypted with the OS keychain's key.
    [FuseV1Options.EnableCookieEncryption]: true,
    // NODE_OPTIONS (e.g. --require) and --inspect would let another process inject code into main.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // app.asar checked against the hash electron-builder records in the binary (macOS, Windows).
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    // The app's code only from app.asar, never from an app/ folder planted beside it.
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    // The renderer loads from app://, so file:// needs none of its old extra privileges.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    // An ad-hoc signature (Apple silicon) no longer matches once the fuses changed: redo it.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === ARM64,
  };
}

/** The file whose fuse wire is flipped (for macOS, the .app: @electron/fuses finds the framework). */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return path.join(appOutDir, packager.executableName);
}

export async function afterPack(context) {
  await flipFuses(electronBinaryPath(context), fuseConfig(context.electronPlatformName, context.arch));
}

export default afterPack;
