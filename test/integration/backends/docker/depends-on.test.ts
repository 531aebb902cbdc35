// depends_on in `up`, against the real engine: start order, waiting for healthy, a dependency whose
// health check fails stopping its dependants before they are created, and a machine converging while
// its dependant still waits. Checked with docker inspect and the files' times in the containers.
import { afterAll, describe, expect, it } from 'vitest';
import { docker, purge, unique, workspace } from '../../../support/cli.js';

const made: string[] = [];
afterAll(() => made.forEach((p) => purge(p)), 120_000);

const started = (name: string) => Date.parse(JSON.parse(docker('inspect', name))[0].State.StartedAt as string);

describe('depends_on', () => {
  it('service_healthy: the dependant starts only after the health check passed; the machine that is up converges meanwhile', async () => {
    const ws = await workspace();
    const name = unique('pl-it-dep');
    made.push(name);
    const file = await ws.write(
      'profiles/dep.yaml',
      `name: ${name}
machines:
  web:
    docker:
      image: debian:bookworm
      depends_on: { db: { condition: service_healthy } }
    resources:
      - file: /etc/web.conf
        content: "web"
  db:
    docker:
      image: debian:bookworm
      # healthy once the file exists, about 3 s after start
      command: sh -c "sleep 3; touch /ready; exec sleep infinity"
      healthcheck: { test: test -f /ready, interval: 500ms, retries: 30 }
    resources:
      - file: /etc/db.conf
        content: "db"
`,
    );
    const r = await ws.run(['up', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(docker('inspect', `${name}-db`))[0].State.Health.Status).toBe('healthy');
    expect(started(`${name}-web`) - started(`${name}-db`)).toBeGreaterThan(2_500);
    // db converges as soon as it is up: its file is written seconds before web's container starts, not after.
    const written = (machine: string, path: string) => Number(docker('exec', `${name}-${machine}`, 'date', '-r', path, '+%s%3N'));
    expect(started(`${name}-web`) - written('db', '/etc/db.conf')).toBeGreaterThan(1_500);
    expect(written('web', '/etc/web.conf')).toBeGreaterThanOrEqual(started(`${name}-web`));
  }, 180_000);

  it('a dependency that turns unhealthy fails the dependant with the reason, and its container is not created', async () => {
    const ws = await workspace();
    const name = unique('pl-it-dep');
    made.push(name);
    const file = await ws.write(
      'profiles/dep.yaml',
      `name: ${name}
machines:
  web:
    docker:
      image: debian:bookworm
      depends_on: { db: { condition: service_healthy } }
  db:
    docker:
      image: debian:bookworm
      healthcheck: { test: ["CMD", "false"], interval: 300ms, retries: 1 }
`,
    );
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('machine web: not started because db is not healthy: its health check failed (unhealthy)');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    expect(docker('ps', '-a', '--filter', `name=^${name}-web$`, '--format', '{{.Names}}')).toBe('');
  }, 180_000);
});
