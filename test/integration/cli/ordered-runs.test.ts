// The everyday loop: up, down, up of a database machine whose command is guarded by a query that needs
// the server running (the example shop's db). Each resource is decided on the state the ones before it
// left, so the second `up` starts PostgreSQL first and then sees the database is there.
// Checked with psql through `docker exec`, not through Prodlike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-db');
const FAIL = unique('pl-it-fail');
let ws: Workspace;
let dbFile: string;

beforeAll(async () => {
  ws = await workspace();
  dbFile = await ws.write(
    'profiles/db.yaml',
    `name: ${NAME}
machines:
  db:
    docker: { image: debian:bookworm }
    resources:
      - package: postgresql-15
      - service: postgresql
        state: running
      - command: runuser -u postgres -- createuser shop && runuser -u postgres -- createdb -O shop shop
        unless: runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'shop'" | grep -q 1
`,
  );
});
afterAll(() => {
  purge(NAME);
  purge(FAIL);
});

const psql = (sql: string) => docker('exec', `${NAME}-db`, 'runuser', '-u', 'postgres', '--', 'psql', '-tAc', sql);

describe('up, down, up of a machine whose command guard needs a service', () => {
  it('every up succeeds, and the database and its role exist exactly once', async () => {
    const first = await ws.run(['up', dbFile]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (let i = 0; i < 2; i++) {
      expect((await ws.run(['down', dbFile])).code).toBe(0);
      expect(docker('inspect', '-f', '{{.State.Running}}', `${NAME}-db`)).toBe('false');
      const again = await ws.run(['up', dbFile, '--json']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const events = again.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const final = (kind: string) => events.filter((e) => e.type === 'resource' && e.resource.kind === kind).pop();
      expect(final('service').status).toBe('changed');
      expect(final('command').status).toBe('ok');
    }
    expect(psql("SELECT count(*) FROM pg_database WHERE datname = 'shop'")).toBe('1');
    expect(psql("SELECT count(*) FROM pg_roles WHERE rolname = 'shop'")).toBe('1');
  });

  it('a no-change up probes the machine once (one exec in the container)', async () => {
    const startedNs = BigInt(Date.now()) * 1_000_000n;
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await ws.run(['up', dbFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing to change');
    // The engine's own record of execs started in the container during that run: exactly one, the probe.
    const until = Math.floor(Date.now() / 1000) + 1;
    const execs = docker('events', '--since', String(since), '--until', String(until), '--filter', `container=${NAME}-db`, '--filter', 'event=exec_start', '--format', '{{.TimeNano}}');
    expect(execs.split('\n').filter((t) => t && BigInt(t) >= startedNs)).toHaveLength(1);
  });
});

describe('a failure a person can act on', () => {
  it("shows the command's exit code and its own stderr, once, in the text output and in --json events", async () => {
    const file = await ws.write(
      'profiles/fail.yaml',
      `name: ${FAIL}
machines:
  box:
    docker: { image: debian:bookworm }
    resources:
      - command: 'echo preparing; printf "mkfs: %s\\n" "disk full on /dev/zz" >&2; exit 3'
      - file: /etc/after.conf
        content: "x\\n"
`,
    );
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all).toContain('(exit 3)');
    expect(all.split('mkfs: disk full on /dev/zz').length - 1).toBe(1);
    expect(all).toMatch(/skipped box file \/etc\/after\.conf/);
    expect(all).toContain('not applied: command');

    const j = await ws.run(['up', file, '--json']);
    const failed = j.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'resource' && e.status === 'failed');
    expect(failed.error.message).toContain('(exit 3):\n  mkfs: disk full on /dev/zz');
    expect(failed.error.details.exitCode).toBe(3);
  });

  it('machines that fail for one cause are named on one line (a Docker engine that does not answer)', async () => {
    const file = await ws.write('profiles/two.yaml', `name: ${unique('pl-it-two')}\nmachines:\n  a:\n    docker: { image: debian:bookworm }\n  b:\n    docker: { image: debian:bookworm }\n`);
    const r = await ws.run(['up', file], { env: { DOCKER_HOST: 'unix:///tmp/pl-no-such-engine.sock' } });
    expect(r.code).toBe(1);
    const lines = (r.stdout + r.stderr).split('\n').filter((l) => /not running|does not answer|cannot connect/i.test(l));
    expect(lines, r.stdout + r.stderr).toHaveLength(1);
  });
});
