// What an image does not hold (processes), decided from the resources in order: which services a
// container from a cached state starts as it starts, and when a run may carry on in a container made
// from the state it just saved.
import { describe, expect, it } from 'vitest';
import { mayLeaveProcesses, restoreStarts, servicesToStart, servicesToStop } from '../../../../electron/engine/cache/runtime-state.js';
import type { ResourceSpec } from '../../../../shared/profile.js';

const pkg = (name: string): ResourceSpec => ({ id: `package:${name}`, kind: 'package', name, state: 'present' });
const file = (name: string): ResourceSpec => ({ id: `file:${name}`, kind: 'file', name, content: 'x', state: 'present' }) as ResourceSpec;
const svc = (name: string, state: 'running' | 'stopped' = 'running'): ResourceSpec => ({ id: `service:${name}`, kind: 'service', name, state });
const cmd = (name: string, guard: { creates?: string; unless?: string; onlyif?: string }): ResourceSpec => ({ id: `command:${name}`, kind: 'command', name, env: {}, ...guard });

describe('services a container from a cached state starts', () => {
  const db = [pkg('postgresql-15'), file('/etc/postgresql/15/main/postgresql.conf'), svc('postgresql'), cmd('createdb shop', { unless: 'psql -c ...' })];

  it('are the running services of the cached prefix, in profile order', () => {
    const m = [pkg('nginx'), svc('nginx'), pkg('redis-server'), svc('redis-server'), file('/x')];
    expect(servicesToStart(m, 5)).toEqual([{ name: 'nginx' }, { name: 'redis-server' }]);
  });

  it('stop at the prefix: a service after the cached state is converge\'s to start', () => {
    expect(servicesToStart(db, 2)).toEqual([]);
    expect(servicesToStart(db, 3)).toEqual([{ name: 'postgresql' }]);
    expect(servicesToStart(db, 4)).toEqual([{ name: 'postgresql' }]);
  });

  it('leave out services that must be stopped', () => {
    expect(servicesToStart([pkg('nginx'), svc('nginx', 'stopped'), svc('cron')], 3)).toEqual([{ name: 'cron' }]);
  });

  it('stop before a command guarded by a shell test: it is decided at run time, before what follows it', () => {
    const m = [pkg('a'), cmd('setup', { unless: 'test -S /run/x' }), svc('a')];
    expect(servicesToStart(m, 3)).toEqual([]);
    const onlyif = [pkg('a'), cmd('setup', { onlyif: 'true' }), svc('a')];
    expect(servicesToStart(onlyif, 3)).toEqual([]);
  });

  it('carry their `ready:` check: the next service starts once it passes', () => {
    const ready: ResourceSpec = { id: 'service:postgresql', kind: 'service', name: 'postgresql', state: 'running', ready: 'pg_isready -q' };
    expect(servicesToStart([pkg('postgresql-15'), ready, svc('cron')], 3)).toEqual([{ name: 'postgresql', ready: 'pg_isready -q' }, { name: 'cron' }]);
  });

  it('go past a command guarded by `creates` only: in a cached state its file exists, so it does not run', () => {
    const m = [pkg('a'), cmd('build', { creates: '/opt/built' }), svc('a')];
    expect(servicesToStart(m, 3)).toEqual([{ name: 'a' }]);
  });
});

describe('whether resources may have left a process running', () => {
  it('packages, files and users do not', () => {
    expect(mayLeaveProcesses([pkg('a'), file('/x'), pkg('b')], 3)).toBe(false);
  });

  it('a service or any command may, but only within the first n', () => {
    const m = [pkg('a'), file('/x'), svc('a'), cmd('make', { creates: '/y' })];
    expect(mayLeaveProcesses(m, 2)).toBe(false);
    expect(mayLeaveProcesses(m, 3)).toBe(true);
    expect(mayLeaveProcesses([pkg('a'), cmd('nohup srv &', { creates: '/run/srv.pid' })], 2)).toBe(true);
    expect(mayLeaveProcesses([svc('a', 'stopped')], 1)).toBe(true);
  });
});

describe('services stopped cleanly before a container stops or goes', () => {
  it('are the running services, last started first', () => {
    const m = [pkg('postgresql-15'), svc('postgresql'), cmd('createdb shop', { unless: 'psql' }), svc('cron'), svc('nginx', 'stopped')];
    expect(servicesToStop(m)).toEqual(['cron', 'postgresql']);
  });

  it('name a service once, and none on a machine without one', () => {
    expect(servicesToStop([svc('cron'), file('/x'), svc('cron')])).toEqual(['cron']);
    expect(servicesToStop([pkg('tree'), file('/x')])).toEqual([]);
  });
});

describe('what a container restored from a snapshot starts, and leaves to up', () => {
  it('starts every running service of the machine, in order, with its ready: check, and leaves its commands to up', () => {
    const ready: ResourceSpec = { id: 'service:postgresql', kind: 'service', name: 'postgresql', state: 'running', ready: 'pg_isready -q' };
    const db = [pkg('postgresql-15'), file('/etc/postgresql/15/main/postgresql.conf'), ready, cmd('createdb shop', { unless: 'psql -c ...' })];
    expect(restoreStarts(db)).toEqual({ services: [{ name: 'postgresql', ready: 'pg_isready -q' }], left: { services: [], commands: 1 } });
  });

  it('leaves nothing on a machine of packages, files and services alone', () => {
    expect(restoreStarts([pkg('nginx'), file('/x'), svc('nginx'), svc('cron')])).toEqual({ services: [{ name: 'nginx' }, { name: 'cron' }], left: { services: [], commands: 0 } });
  });

  it('counts every command, guarded or not: a restore does not provision, and any of them may start a process', () => {
    const app = [pkg('python3'), cmd('make', { creates: '/opt/built' }), cmd('nohup srv &', { unless: 'kill -0 $(cat /run/srv.pid)' }), cmd('date > /tmp/x', {})];
    expect(restoreStarts(app)).toEqual({ services: [], left: { services: [], commands: 3 } });
  });

  it('leaves a running service after a command guarded by a shell test to up, once, and starts none that must be stopped', () => {
    const m = [svc('cron'), cmd('setup', { onlyif: 'true' }), svc('a'), svc('b', 'stopped'), svc('a')];
    expect(restoreStarts(m)).toEqual({ services: [{ name: 'cron' }], left: { services: ['a'], commands: 1 } });
  });
});
