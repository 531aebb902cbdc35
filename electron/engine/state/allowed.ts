// The profiles the user allowed on this computer to use settings that hand the computer over
// (profile/risky-settings.ts), each bound to a hash of exactly those settings.

import path from 'node:path';
import { readJson, writeFileAtomic } from './atomic-file.js';

interface AllowedFile {
  profiles: Record<string, { hash: string; settings: string[]; allowedAt: string }>;
}

const fileOf = (dataDir: string) => path.join(dataDir, 'allowed-profiles.json');

export async function allowedHash(dataDir: string, profileFile: string): Promise<string | undefined> {
  const f = await readJson<AllowedFile>(fileOf(dataDir), { profiles: {} });
  return f.profiles?.[path.resolve(profileFile)]?.hash;
}

export async function allowProfile(dataDir: string, profileFile: string, hash: string, settings: string[]): Promise<void> {
  const f = await readJson<AllowedFile>(fileOf(dataDir), { profiles: {} });
  f.profiles ??= {};
  f.profiles[path.resolve(profileFile)] = { hash, settings, allowedAt: new Date().toISOString() };
  await writeFileAtomic(fileOf(dataDir), JSON.stringify(f, null, 2));
}
