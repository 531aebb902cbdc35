// Temporary profile folders for tests: bad fixtures live in a temp dir, never in profiles/.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { ProfileError } from '../../../../electron/engine/errors.js';

const made: string[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes the files (path → text) into a fresh temp folder and returns its path. */
export async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'prodlike-profile-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** The ProfileError a promise rejects with (fails the test when it resolves or throws something else). */
export async function profileError(p: Promise<unknown>): Promise<ProfileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the profile to be rejected').toBeInstanceOf(ProfileError);
  return err as ProfileError;
}

/** A minimal valid machine, for profiles whose point is elsewhere. */
export const WEB = `machines:
  web:
    docker: { image: debian:bookworm }
`;
