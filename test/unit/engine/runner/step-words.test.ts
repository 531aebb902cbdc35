import { describe, expect, it } from 'vitest';
import { stepWords } from '../../../../electron/engine/runner/step-words.js';

const item = (kind: string, name: string, changes: { field: string; after?: string }[] = [{ field: 'state' }], state?: string) =>
  ({ spec: { kind, name, ...(state ? { state } : {}) }, changes: changes.map((c) => ({ summary: '', ...c })) }) as Parameters<typeof stepWords>[0][number];

describe('what a machine is doing, in words', () => {
  it('names the packages it installs', () => {
    expect(stepWords([item('package', 'postgresql-15')])).toBe('installing postgresql-15');
    expect(stepWords([item('package', 'a'), item('package', 'b'), item('package', 'c'), item('package', 'd')])).toBe('installing a, b and 2 more');
    expect(stepWords([item('package', 'nginx', [{ field: 'version' }])])).toBe('changing the version of nginx');
    expect(stepWords([item('package', 'telnet', [{ field: 'state' }], 'absent')])).toBe('removing telnet');
  });

  it('says writing for content and setting for mode and owner', () => {
    expect(stepWords([item('file', '/etc/motd', [{ field: 'content' }])])).toBe('writing /etc/motd');
    expect(stepWords([item('file', '/etc/motd', [{ field: 'mode' }])])).toBe('setting owner and mode of /etc/motd');
  });

  it('starts or stops services, and clips long commands to one line', () => {
    expect(stepWords([item('service', 'nginx', [{ field: 'state', after: 'running' }])])).toBe('starting nginx');
    expect(stepWords([item('service', 'nginx', [{ field: 'state', after: 'stopped' }])])).toBe('stopping nginx');
    expect(stepWords([item('service', 'nginx', [{ field: 'enabled', after: 'false' }])])).toBe('disabling nginx at boot');
    expect(stepWords([item('service', 'postgresql', [{ field: 'ready', after: 'ready' }])])).toBe('waiting for postgresql to be ready');
    const words = stepWords([item('command', `make -C /srv/app\n   build ${'x'.repeat(200)}`)]);
    expect(words.startsWith('running make -C /srv/app build x')).toBe(true);
    expect(words.length).toBe(80);
  });
});
