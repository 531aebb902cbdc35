// A database whose data lives in a volume, brought up from the cache again and again (the shop's db):
// `destroy` and `down` stop its service cleanly before the container goes, so PostgreSQL's next start
// (from the cached image, on the same volume) does no crash recovery. Checked independently of
// Prodlike: pg_controldata on the volume, and PostgreSQL's own log inside the container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, exec, purge, removeCacheImages, logLines, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-pgstop');
const CONTAINER = `${NAME}-db`;
const VOLUME = `${NAME}_db-data`;
// Part of the cache key: states left by another run of this file never match.
const RUN = Math.random().toString(36).slice(2, 10);
const ENV = { PRODLIKE_NO_CACHE: '' };
const LOG = '/var/log/postgresql/postgresql-15-main.log';

const profile = `name: ${NAME}
machines:
  db:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN} }, volumes: ["db-data:/var/lib/postgresql"] }
    resources:
      - package: postgresql-15
      - service: postgresql
        state: running
      - command: runuser -u postgres -- createdb shop
        unless: runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'shop'" | grep -q 1
`;

let ws: Workspace;
let file: string;

const run = (...args: string[]) => ws.run([...args, file, '--json'], { env: ENV });

/** What PostgreSQL logged since it last started, in the machine's container. */
const lastStartLog = () => {
  const log = exec(CONTAINER, `cat ${LOG}`);
  return log.slice(log.lastIndexOf('starting PostgreSQL'));
};

const provisionDetail = (r: CliRun) =>
  r.stdout
    .split('\n')
    .filter((l) => l.includes('"phase":"provision"') && l.includes('"status":"done"'))
    .map((l) => JSON.parse(l).detail as string)
    .join(' ');

/** The cluster's state on the volume, as PostgreSQL's own tool reads it (from the cached image: it has the binaries). */
function clusterState(): string {
  const image = docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '--format', '{{.ID}}').split('\n')[0]!;
  const out = docker('run', '--rm', '--user', 'postgres', '-v', `${VOLUME}:/var/lib/postgresql`, '--entrypoint', '/usr/lib/postgresql/15/bin/pg_controldata', image, '/var/lib/postgresql/15/main');
  return /Database cluster state:\s*(.+)/.exec(out)?.[1]?.trim() ?? out;
}

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write('profiles/pg.yaml', profile);
});

afterAll(() => {
  purge(NAME);
  removeCacheImages(NAME);
});

describe('services stopped cleanly before their container goes', () => {
  it('a database in a volume starts from the cache without crash recovery after destroy and after down', { timeout: 600_000 }, async () => {
    const cold = await run('up');
    expect(cold.code, cold.stderr).toBe(0);

    // destroy keeps the volume: the service is stopped first, and says so.
    const destroyed = await run('destroy');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(logLines(destroyed)).toContainEqual(expect.stringMatching(/^db: services stopped before the container: postgresql \(\d+\.\d s\)$/));
    expect(clusterState()).toBe('shut down');

    const warm = await run('up');
    expect(warm.code, warm.stderr).toBe(0);
    expect(provisionDetail(warm)).toMatch(/from cache .*services start with it: postgresql/);
    const clean = lastStartLog();
    expect(clean).toMatch(/database system was shut down at/);
    expect(clean).not.toMatch(/not properly shut down|automatic recovery/);
    expect(exec(CONTAINER, `runuser -u postgres -- psql -tAc "SELECT datname FROM pg_database WHERE datname = 'shop'"`)).toBe('shop');

    // down, then up starts the same container: again no recovery.
    expect((await run('down')).code).toBe(0);
    expect(docker('inspect', '-f', '{{.State.Running}}', CONTAINER)).toBe('false');
    const again = await run('up');
    expect(again.code, again.stderr).toBe(0);
    expect(provisionDetail(again)).toBe('started');
    expect(lastStartLog()).not.toMatch(/not properly shut down|automatic recovery/);

    // The check sees a crash when there was one: the container removed by force, as destroy did before.
    docker('rm', '-f', CONTAINER);
    expect(clusterState()).toBe('in production');
    const afterKill = await run('up');
    expect(afterKill.code, afterKill.stderr).toBe(0);
    expect(lastStartLog()).toMatch(/not properly shut down; automatic recovery in progress/);
  });

  it('a rebuild onto a volume that holds data installs the packages before mounting it: the data stays and PostgreSQL starts', { timeout: 600_000 }, async () => {
    // A row of the cluster on the volume: after each rebuild it is still there (the old cluster, not a new one).
    exec(CONTAINER, `runuser -u postgres -- psql -d shop -c "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"`);
    for (const args of [['--no-cache'], []]) {
      expect((await run('destroy')).code).toBe(0);
      // Nothing cached: the packages are installed again, as after a change to them.
      removeCacheImages(NAME);
      const r = await run('up', ...args);
      // Before: Debian's postinst found the old cluster in the volume, wrote no configuration, and the start failed.
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(provisionDetail(r)).toMatch(/its volumes exist already: mounted once its packages are installed/);
      expect(exec(CONTAINER, 'runuser -u postgres -- psql -d shop -tAc "SELECT x FROM kept"')).toBe('42');
      expect(exec(CONTAINER, 'test -f /etc/postgresql/15/main/postgresql.conf && echo config')).toBe('config');
      expect(docker('inspect', '-f', '{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}', CONTAINER)).toBe(`${VOLUME}:/var/lib/postgresql`);
      // The machine's own container, volumes and all: the next up keeps it.
      const again = await run('up');
      expect(again.code, again.stderr).toBe(0);
      expect(provisionDetail(again)).toBe('kept');
    }
  });

  it('destroy --volumes does not stop services first: nothing of the machine outlives its container', async () => {
    const r = await run('destroy', '--volumes');
    expect(r.code, r.stderr).toBe(0);
    expect(logLines(r).filter((l) => l.includes('services stopped'))).toEqual([]);
    expect(dockerTry('volume', 'inspect', VOLUME).code).not.toBe(0);
  });
});
