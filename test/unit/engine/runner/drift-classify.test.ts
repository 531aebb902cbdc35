// Drift classification fed with what the resource kinds' own diff() produces (not hand-written
// changes): a user reads "missing", "extra" or "drifted" and must be right for every kind.
import { describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../../../shared/profile.js';
import { KINDS } from '../../../../electron/engine/resources/index.js';
import { classify } from '../../../../electron/engine/runner/drift.js';

const attrs = { mode: '0644', uid: 0, owner: 'root', gid: 0, group: 'root' };
const sha = (s: string) => `sha-${s}`;
/** classify(spec, kind.diff(spec, actual)) */
const status = (spec: ResourceSpec, actual: unknown) => classify(spec, KINDS[spec.kind].diff(spec as never, actual as never));

const pkg = (state: 'present' | 'absent' = 'present', version?: string): ResourceSpec => ({ id: 'p', kind: 'package', name: 'nginx', state, ...(version ? { version } : {}) });
const file = (over: object = {}): ResourceSpec => ({ id: 'f', kind: 'file', name: '/etc/app.conf', content: 'a\n', mode: '0644', state: 'present', ...over }) as ResourceSpec;
const dir = (over: object = {}): ResourceSpec => ({ id: 'd', kind: 'directory', name: '/srv/www', mode: '0755', state: 'present', ...over }) as ResourceSpec;
const user = (state: 'present' | 'absent' = 'present'): ResourceSpec => ({ id: 'u', kind: 'user', name: 'shop', groups: [], system: false, state });
const group = (state: 'present' | 'absent' = 'present'): ResourceSpec => ({ id: 'g', kind: 'group', name: 'shop', system: false, state });
const env = (state: 'present' | 'absent' = 'present'): ResourceSpec => ({ id: 'e', kind: 'env', name: 'SHOP_ENV', value: 'dev', state });
const line = (state: 'present' | 'absent' = 'present', match?: string): ResourceSpec => ({ id: 'l', kind: 'line', name: '/etc/environment', text: 'A=1', state, ...(match ? { match } : {}) });
const service = (): ResourceSpec => ({ id: 's', kind: 'service', name: 'nginx', state: 'running' });

describe('drift classification of what each kind reports', () => {
  it('package: not installed → missing; installed but should be absent → extra; other version → drifted', () => {
    expect(status(pkg(), { manager: 'apt', installed: false })).toBe('missing');
    expect(status(pkg('absent'), { manager: 'apt', installed: true, version: '1.22' })).toBe('extra');
    expect(status(pkg('present', '1.24.*'), { manager: 'apt', installed: true, version: '1.22.1' })).toBe('drifted');
    expect(status(pkg(), { manager: 'apt', installed: true, version: '1.22.1' })).toBe('in-sync');
  });
  it('file: absent → missing; present but should not be → extra; other content or mode → drifted', () => {
    expect(status(file(), { type: 'absent' })).toBe('missing');
    expect(status(file({ state: 'absent', content: undefined, mode: undefined }), { type: 'file', ...attrs, size: 2, sha256: sha('x') })).toBe('extra');
    expect(status(file(), { type: 'file', ...attrs, size: 2, sha256: sha('b'), content: 'b\n' })).toBe('drifted');
    expect(status(file({ content: undefined }), { type: 'file', ...attrs, mode: '0600', size: 2, sha256: sha('a') })).toBe('drifted');
    expect(status(file(), { type: 'directory', ...attrs })).toBe('drifted');
  });
  it('directory: absent → missing; should be absent → extra; other owner → drifted', () => {
    expect(status(dir(), { type: 'absent' })).toBe('missing');
    expect(status(dir({ state: 'absent', mode: undefined }), { type: 'directory', ...attrs })).toBe('extra');
    expect(status(dir({ owner: 'www-data' }), { type: 'directory', ...attrs, mode: '0755' })).toBe('drifted');
  });
  it('user and group: absent → missing; should be absent → extra', () => {
    expect(status(user(), { exists: false })).toBe('missing');
    expect(status(user('absent'), { exists: true, uid: 1000, gid: 1000, groups: ['shop'] })).toBe('extra');
    expect(status(group(), { exists: false })).toBe('missing');
    expect(status(group('absent'), { exists: true, gid: 1000, members: [] })).toBe('extra');
  });
  it('env: not set → missing; set but should not be → extra; other value → drifted', () => {
    expect(status(env(), { definitions: 0 })).toBe('missing');
    expect(status(env('absent'), { value: 'dev', definitions: 1 })).toBe('extra');
    expect(status(env(), { value: 'prod', definitions: 1 })).toBe('drifted');
  });
  it('line: not in the file → missing; should be removed → extra; a matched line with other text → drifted', () => {
    expect(status(line(), { fileExists: true, exact: 0, firstMatch: 0, removable: 0 })).toBe('missing');
    expect(status(line('absent'), { fileExists: true, exact: 1, firstMatch: 0, removable: 1 })).toBe('extra');
    expect(status(line('present', '^A='), { fileExists: true, exact: 0, firstMatch: 3, firstMatchText: 'A=2', removable: 0 })).toBe('drifted');
  });
  it('service: stopped but should run → drifted (it is installed; its state differs)', () => {
    expect(status(service(), { init: 'sysv', exists: true, running: false, enabled: true })).toBe('drifted');
  });
});
