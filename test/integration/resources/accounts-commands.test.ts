import { describe, expect, it } from 'vitest';
import type { CommandResource, GroupResource, UserResource } from '../../../shared/profile.js';
import { kindOf } from '../../../electron/engine/resources/index.js';
import { useContainer } from '../../support/docker-cli-transport.js';
import { applyExpectingFailure, converge, probeOne } from './converge.js';

const { t, sh } = useContainer();

describe('group', () => {
  const group = (extra: Partial<GroupResource> = {}): GroupResource => ({ id: 'group:app', kind: 'group', name: 'app', gid: 2500, system: false, state: 'present', ...extra });
  it('creates a group with a gid, changes the gid, and removes it', async () => {
    await converge(t, group(), ['state']);
    expect(sh('getent group app')).toBe('app:x:2500:');
    await converge(t, group({ gid: 2501 }), ['gid']);
    expect(sh('getent group app | cut -d: -f3')).toBe('2501');
    await converge(t, group({ state: 'absent' }));
    expect(sh('getent group app || echo none')).toBe('none');
  });
});

describe('user', () => {
  const user = (extra: Partial<UserResource> = {}): UserResource => ({ id: 'user:shop', kind: 'user', name: 'shop', uid: 1600, groups: ['www-data'], shell: '/bin/bash', system: false, state: 'present', ...extra });
  it('creates a user with uid, shell, home and groups', async () => {
    await converge(t, user(), ['state']);
    expect(sh('getent passwd shop')).toBe('shop:x:1600:1600::/home/shop:/bin/bash');
    expect(sh('id -Gn shop')).toBe('shop www-data');
    expect(sh('test -d /home/shop && echo yes')).toBe('yes');
  });
  it('adds missing groups without dropping others and changes shell and home', async () => {
    sh('usermod -aG adm shop');
    await converge(t, user({ groups: ['www-data', 'staff'], shell: '/bin/sh', home: '/srv/shop' }), ['shell', 'home', 'groups']);
    expect(sh('id -Gn shop').split(' ').sort()).toEqual(['adm', 'shop', 'staff', 'www-data']);
    expect(sh('getent passwd shop')).toBe('shop:x:1600:1600::/srv/shop:/bin/sh');
  });
  it('fails loudly for a group that does not exist, and removes a user', async () => {
    const msg = await applyExpectingFailure(t, user({ name: 'other', uid: undefined, groups: ['nosuchgroup'] }));
    expect(msg).toMatch(/prodlike: user other: cannot create \(do the groups nosuchgroup exist\?\)/);
    await converge(t, user({ state: 'absent' }));
    expect(sh('getent passwd shop || echo none')).toBe('none');
  });
});

describe('command', () => {
  const cmd = (extra: Partial<CommandResource>): CommandResource => ({ id: 'command:x', kind: 'command', name: 'mkdir -p dist && echo "$GREETING" > dist/out', cwd: '/srv/build', env: { GREETING: "it's built" }, ...extra });
  it('runs in cwd with env until `creates` exists', async () => {
    sh('mkdir -p /srv/build');
    const changes = await converge(t, cmd({ creates: 'dist/out' }), ['run']);
    expect(changes[0]!.summary).toBe('run `mkdir -p dist && echo "$GREETING" > dist/out` (dist/out does not exist)');
    expect(sh('cat /srv/build/dist/out')).toBe("it's built");
  });
  it('honours unless and onlyif, evaluated on the machine by the probe', async () => {
    await converge(t, cmd({ name: 'touch /tmp/flag', unless: 'test -e /tmp/flag' }));
    expect((await probeOne(t, cmd({ name: 'false', onlyif: 'test -e /nonexistent' }))).changes).toEqual([]);
    expect((await probeOne(t, cmd({ name: 'false', onlyif: 'test -e /tmp/flag' }))).changes[0]!.field).toBe('run');
  });
  it("always plans to run a command without a guard, and fails with the command's own exit code and stderr (the runner names it)", async () => {
    const plain = cmd({ name: 'echo "no space left on device" >&2; exit 3', cwd: undefined, env: {} });
    expect((await probeOne(t, plain)).changes[0]!.summary).toMatch(/no guard: runs on every apply/);
    const step = kindOf(plain).apply(plain as never, (await probeOne(t, plain)).actual as never, []);
    const res = await t.exec(step.script);
    expect(res.code).toBe(3);
    expect(res.stderr).toBe('no space left on device\n');
  });
});
