import { describe, expect, it } from 'vitest';
import type { DirectoryResource, EnvResource, FileResource, LineResource, ResourceSpec } from '../../../shared/profile.js';
import { probeAll } from '../../../electron/engine/resources/index.js';
import { useContainer } from '../../support/docker-cli-transport.js';
import { applyExpectingFailure, converge, probeOne } from './converge.js';

const { t, sh } = useContainer();

const file = (name: string, extra: Partial<FileResource> = {}): FileResource => ({ id: `file:${name}`, kind: 'file', name, state: 'present', ...extra });

describe('file', () => {
  it('creates a file with content, mode and owner in missing directories, then is in sync', async () => {
    const spec = file('/srv/app/conf/app.conf', { content: "name='shop'\n$HOME `id`\n", mode: '0640', owner: 'www-data', group: 'adm' });
    await converge(t, spec, ['state', 'content', 'mode', 'owner', 'group']);
    expect(sh('cat /srv/app/conf/app.conf')).toBe("name='shop'\n$HOME `id`");
    expect(sh('stat -c "%a %U %G" /srv/app/conf/app.conf')).toBe('640 www-data adm');
    expect(sh('ls -A /srv/app/conf')).toBe('app.conf');
  });

  it('shows a unified diff of changed content and replaces it atomically, keeping mode and owner', async () => {
    sh("printf 'a\\nb\\nc\\n' > /etc/demo.conf && chmod 600 /etc/demo.conf && chown www-data /etc/demo.conf");
    const changes = await converge(t, file('/etc/demo.conf', { content: 'a\nB\nc\n' }), ['content']);
    expect(changes[0]!.diff).toContain('-b\n+B\n');
    expect(sh('stat -c "%a %U" /etc/demo.conf')).toBe('600 www-data');
  });

  it('handles content with no trailing newline, an empty file and unmanaged content', async () => {
    await converge(t, file('/tmp/nonl', { content: 'no newline' }));
    expect(sh('stat -c %s /tmp/nonl; tail -c 1 /tmp/nonl')).toBe('10\ne');
    await converge(t, file('/tmp/empty', { content: '' }));
    expect(sh('stat -c %s /tmp/empty')).toBe('0');
    await converge(t, file('/tmp/touched', { mode: '0600' }), ['state', 'mode']);
    expect(sh('stat -c %a /tmp/touched')).toBe('600');
  });

  it('compares big files by hash without sending them back', async () => {
    sh('head -c 400000 /dev/zero > /tmp/big');
    const { actual, changes } = await probeOne(t, file('/tmp/big', { content: 'small\n' }));
    expect((actual as { content?: string }).content).toBeUndefined();
    expect(changes[0]!.summary).toMatch(/content differs \(current is 400000 bytes/);
  });

  it('removes a file when absent and fails loudly for a missing owner', async () => {
    await converge(t, file('/tmp/nonl', { state: 'absent' }));
    expect(sh('test -e /tmp/nonl && echo yes || echo no')).toBe('no');
    const msg = await applyExpectingFailure(t, file('/tmp/owned', { content: 'x', owner: 'nosuchuser' }));
    expect(msg).toMatch(/prodlike: file \/tmp\/owned: cannot set owner\/group to nosuchuser/);
    expect(sh('ls -A /tmp | grep prodlike || true')).toBe('');
  });
});

describe('directory', () => {
  const dir = (extra: Partial<DirectoryResource> = {}): DirectoryResource => ({ id: 'directory:/srv/www', kind: 'directory', name: '/srv/www/site', mode: '0750', owner: 'www-data', group: 'www-data', state: 'present', ...extra });
  it('creates, fixes mode and removes a directory', async () => {
    await converge(t, dir(), ['state', 'mode', 'owner', 'group']);
    expect(sh('stat -c "%a %U %G" /srv/www/site')).toBe('750 www-data www-data');
    sh('chmod 777 /srv/www/site');
    await converge(t, dir(), ['mode']);
    expect(sh('stat -c %a /srv/www/site')).toBe('750');
    sh('touch /srv/www/site/index.html');
    await converge(t, dir({ state: 'absent' }));
    expect(sh('test -d /srv/www/site && echo yes || echo no')).toBe('no');
  });
});

describe('line', () => {
  const line = (extra: Partial<LineResource>): LineResource => ({ id: 'line:x', kind: 'line', name: '/etc/app/settings', text: 'port=8080', state: 'present', ...extra });
  it('creates the file, appends, replaces the first match and removes lines', async () => {
    await converge(t, line({}));
    expect(sh('cat /etc/app/settings')).toBe('port=8080');
    sh("printf 'a=1\\nport = 80\\nport=81\\nlast-without-newline' > /etc/app/settings");
    await converge(t, line({ match: '^port[ ]*=' }));
    expect(sh('cat /etc/app/settings')).toBe('a=1\nport=8080\nport=81\nlast-without-newline');
    await converge(t, line({ text: 'tricky \\1 $x & "q" \'s\'' }));
    expect(sh('tail -n 1 /etc/app/settings')).toBe('tricky \\1 $x & "q" \'s\'');
    await converge(t, line({ text: 'unused', match: '^port=', state: 'absent' }));
    expect(sh('cat /etc/app/settings')).toBe('a=1\nlast-without-newline\ntricky \\1 $x & "q" \'s\'');
  });
});

describe('env', () => {
  const env = (extra: Partial<EnvResource>): EnvResource => ({ id: 'env:SHOP_ENV', kind: 'env', name: 'SHOP_ENV', value: 'dev', state: 'present', ...extra });
  it('sets, changes in place, de-duplicates and removes a variable in /etc/environment', async () => {
    sh("printf 'PATH=\"/usr/bin\"\\n' > /etc/environment");
    await converge(t, env({}));
    expect(sh('cat /etc/environment')).toBe('PATH="/usr/bin"\nSHOP_ENV=dev');
    sh("printf 'SHOP_ENV=\"prod\"\\nOTHER=1\\nexport SHOP_ENV=x\\n' > /etc/environment");
    await converge(t, env({ value: 'with space' }));
    expect(sh('cat /etc/environment')).toBe('SHOP_ENV="with space"\nOTHER=1');
    await converge(t, env({ state: 'absent' }));
    expect(sh('cat /etc/environment')).toBe('OTHER=1');
  });
});

describe('batched probe', () => {
  it('probes twenty resources in one exec', async () => {
    const specs: ResourceSpec[] = [];
    for (let i = 0; i < 5; i++) specs.push(file(`/etc/f${i}`, { content: `x${i}\n`, mode: '0644' }));
    for (let i = 0; i < 5; i++) specs.push({ id: `directory:/d${i}`, kind: 'directory', name: `/d${i}`, mode: '0755', state: 'present' });
    for (let i = 0; i < 4; i++) specs.push({ id: `line:${i}`, kind: 'line', name: '/etc/hosts', text: `10.0.0.${i} h${i}`, state: 'present' });
    specs.push({ id: 'user:root', kind: 'user', name: 'root', groups: [], system: false, state: 'present' });
    specs.push({ id: 'group:adm', kind: 'group', name: 'adm', system: false, state: 'present' });
    specs.push({ id: 'package:dpkg', kind: 'package', name: 'dpkg', state: 'present' });
    specs.push({ id: 'env:LANG', kind: 'env', name: 'LANG', value: 'C.UTF-8', state: 'present' });
    specs.push({ id: 'command:x', kind: 'command', name: 'true', creates: '/etc', env: {} });
    specs.push({ id: 'service:ssh', kind: 'service', name: 'ssh', state: 'stopped' });
    let calls = 0;
    const counting = { target: t.target, close: () => t.close(), exec: (s: string, o?: object) => { calls++; return t.exec(s, o); } };
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const out = await probeAll(counting, specs);
      times.push(performance.now() - started);
      expect([...out.values()].filter((o) => o.error)).toEqual([]);
    }
    expect(calls).toBe(5);
    const sorted = times.map(Math.round).sort((a, b) => a - b);
    console.log(`probe of ${specs.length} resources via docker exec (one exec each): min ${sorted[0]} ms, median ${sorted[2]} ms`);
  });
});
