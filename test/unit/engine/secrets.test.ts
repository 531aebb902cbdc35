import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile.js';
import { MASK, redactor, secretValues } from '../../../electron/engine/secrets.js';

async function profileWith(text: string): Promise<Profile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-secrets-'));
  const file = path.join(dir, 'p.yaml');
  await writeFile(file, text);
  return { name: 'p', role: 'dev', vars: {}, machines: [], file, files: [file] };
}

describe('secrets', () => {
  it('collects the values of secret-looking env references, not of ordinary ones', async () => {
    const p = await profileWith('a: ${env.DB_PASSWORD}\nb: ${env.API_TOKEN}\nc: ${env.HOME}\n');
    const found = secretValues(p, { DB_PASSWORD: 'hunter2!', API_TOKEN: 'tok-123456', HOME: '/root' });
    expect(found.sort()).toEqual(['hunter2!', 'tok-123456']);
  });

  it('masks every occurrence in nested events, longest secret first', () => {
    const redact = redactor(['hunter2', 'hunter2-long']);
    const event = { type: 'resource', changes: [{ summary: 'value hunter2-long → x', diff: '+pw=hunter2\n' }], n: 3 };
    const out = redact(event);
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(out.changes[0]!.summary).toBe(`value ${MASK} → x`);
    expect(out.n).toBe(3);
    expect(event.changes[0]!.diff).toBe('+pw=hunter2\n'); // the original is untouched
  });

  it('is the identity when the profile references no secret', () => {
    const redact = redactor([]);
    const e = { a: 'hunter2' };
    expect(redact(e)).toBe(e);
  });
});
