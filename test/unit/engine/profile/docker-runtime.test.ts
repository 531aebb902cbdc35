// The docker: keys Compose users expect (build target, entrypoint, keep_alive, working_dir, user,
// healthcheck, depends_on, aliases): how they load, what the container is created with, and that
// machines that do not use them keep their config hash.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { parseDuration } from '../../../../electron/engine/profile/machines.js';
import { createOptions } from '../../../../electron/engine/backends/docker/container.js';
import { configHash, normalizeDockerSpec } from '../../../../electron/engine/backends/docker/config-hash.js';
import { dockerMachine, makeProfile } from '../../../support/docker-profile.js';
import { folder, profileError } from './fixture.js';

async function load(text: string) {
  const dir = await folder({ 'p.yaml': text });
  return loadProfile(join(dir, 'p.yaml'), { env: {} });
}

describe('docker: runtime keys', () => {
  it('load into the machine spec: durations in ms, a string healthcheck test runs with the shell, depends_on as a list or with conditions', async () => {
    const p = await load(`name: shop
machines:
  db:
    docker:
      image: pg
      keep_alive: false
      user: postgres
      working_dir: /var/lib
      entrypoint: ["docker-entrypoint.sh"]
      healthcheck: { test: pg_isready, interval: 1m30s, timeout: 500ms, retries: 3, start_period: 2s }
      aliases: [database]
  web:
    docker:
      build: { context: ., target: builder }
      depends_on: { db: { condition: service_healthy } }
  worker:
    docker:
      image: x
      depends_on: [db, web]
      healthcheck: { disable: true }
`);
    const [db, web, worker] = p.machines.map((m) => m.docker!);
    expect(db).toMatchObject({ keepAlive: false, user: 'postgres', workingDir: '/var/lib', entrypoint: ['docker-entrypoint.sh'], aliases: ['database'] });
    expect(db!.healthcheck).toEqual({ test: ['CMD-SHELL', 'pg_isready'], intervalMs: 90_000, timeoutMs: 500, retries: 3, startPeriodMs: 2000 });
    expect(web!.build!.target).toBe('builder');
    expect(web!.dependsOn).toEqual([{ machine: 'db', condition: 'healthy' }]);
    expect(worker!.dependsOn).toEqual([
      { machine: 'db', condition: 'started' },
      { machine: 'web', condition: 'started' },
    ]);
    expect(worker!.healthcheck).toEqual({ test: ['NONE'] });
  });

  it('depends_on: an unknown machine, itself, and a cycle are located errors', async () => {
    const err = await profileError(
      load(`name: shop
machines:
  a:
    docker: { image: x, depends_on: [b] }
  b:
    docker: { image: x, depends_on: [a] }
  c:
    docker: { image: x, depends_on: [nope, c] }
`),
    );
    expect(err.message).toContain('p.yaml:4:37: machines.a.docker.depends_on: depends_on makes a cycle: a → b → a');
    expect(err.message).toContain('p.yaml:8:37: machines.c.docker.depends_on: expected the name of a docker machine of this profile, found "nope"');
    expect(err.message).toContain('"c" depends on itself');
  });

  it('bad values name what was expected', async () => {
    const err = await profileError(load(`name: shop\nmachines:\n  a:\n    docker:\n      image: x\n      healthcheck: { test: ["RUN", "x"], interval: soon }\n      depends_on: { b: { condition: service_completed_successfully } }\n      working_dir: relative\n`));
    expect(err.message).toMatch(/healthcheck\.test: expected a list starting with "CMD", "CMD-SHELL" or "NONE"/);
    expect(err.message).toMatch(/healthcheck\.interval: expected a duration such as "10s"/);
    expect(err.message).toMatch(/condition: expected service_started or service_healthy/);
    expect(err.message).toMatch(/working_dir: expected an absolute directory path/);
  });

  it('parseDuration reads Go durations', () => {
    expect(parseDuration('1h2m3s')).toBe(3_723_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10')).toBeNaN();
  });
});

describe('the container a machine is created as', () => {
  const opts = (docker: Parameters<typeof dockerMachine>[1]) => {
    const m = dockerMachine('db', docker);
    return createOptions({ profile: makeProfile('shop', [m]), machine: 'db', spec: m.docker!, hash: 'h', parts: '' });
  };

  it('keeps itself alive by default; keep_alive: false runs the image\'s own entrypoint and command', () => {
    expect(opts({})).toMatchObject({ Entrypoint: ['sleep'], Cmd: ['infinity'] });
    const own = opts({ keepAlive: false });
    expect(own.Entrypoint).toBeUndefined();
    expect(own.Cmd).toBeUndefined();
  });

  it('an entrypoint replaces the image\'s command too (as in Docker); a command alone keeps the image\'s entrypoint', () => {
    expect(opts({ entrypoint: ['run.sh'] })).toMatchObject({ Entrypoint: ['run.sh'], Cmd: [] });
    expect(opts({ entrypoint: ['run.sh'], command: ['--x'] })).toMatchObject({ Entrypoint: ['run.sh'], Cmd: ['--x'] });
    const c = opts({ command: ['serve'] });
    expect(c.Cmd).toEqual(['serve']);
    expect(c.Entrypoint).toBeUndefined();
  });

  it('user, working dir, health check in nanoseconds, and aliases after the machine name', () => {
    const o = opts({ user: 'postgres', workingDir: '/srv', healthcheck: { test: ['CMD', 'pg_isready'], intervalMs: 1500, retries: 2 }, aliases: ['database'] });
    expect(o).toMatchObject({ User: 'postgres', WorkingDir: '/srv', Healthcheck: { Test: ['CMD', 'pg_isready'], Interval: 1_500_000_000, Retries: 2 } });
    expect(o.NetworkingConfig!.EndpointsConfig!['prodlike-shop']!.Aliases).toEqual(['db', 'database']);
  });
});

describe('config hash', () => {
  it('a machine that uses none of the new keys keeps the hash it had before them', () => {
    const n = normalizeDockerSpec('web', dockerMachine('web', { ports: ['8080:80'], env: { A: '1' } }).docker!, 'sha256:abc');
    expect(Object.keys(n)).toEqual(['image', 'ports', 'env', 'volumes', 'command', 'hostname', 'privileged']);
    // The hash of this spec before the runtime keys existed (computed on the parent commit).
    expect(configHash(n).hash).toBe(HASH_BEFORE);
  });

  it('each new key is its own part, so a recreate says what changed', () => {
    const base = dockerMachine('web').docker!;
    const parts = (extra: Parameters<typeof dockerMachine>[1]) => configHash(normalizeDockerSpec('web', { ...base, ...extra }, 'id')).parts;
    expect(Object.keys(parts({ healthcheck: { test: ['NONE'] }, user: 'x', workingDir: '/w', aliases: ['a'], entrypoint: ['e'] }))).toEqual(
      expect.arrayContaining(['healthcheck', 'user', 'workingDir', 'aliases', 'entrypoint']),
    );
    expect(parts({ keepAlive: false }).keepAlive).toBeDefined();
    expect(parts({ dependsOn: [{ machine: 'db', condition: 'healthy' }] })).toEqual(parts({}));
  });
});

const HASH_BEFORE = '6db97a57d64fd9697a731a315f2982872ac29a4d7c22dff36483dd9c4f204941';
