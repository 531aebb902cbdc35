// 5. The whole shop (profiles/shop: 4 machines, apt packages, files, services) brought up fresh:
// Prodlike cold (no cache, as before the cache existed), cold while saving to the cache, and from the
// cache after `destroy`; against Docker Compose v2 with Dockerfiles of the same shop, cold (build
// --no-cache + up) and `up -d --build` with a warm layer cache, and the same work as Prodlike's `up`:
// `up -d --build --wait` on a healthcheck of the db. Compose v2 is Debian trixie's package,
// unpacked by scripts/fetch-compose-v2.sh (not installed).
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { interleave, med, medianTimeline, ms, writeFileIn, type Ctx } from './context.js';
import { purgeProfile } from './compose.js';
import { BEFORE_CACHE_NAME, beforeCacheEngine } from './before-cache.js';
import { log, median, must, PREFIX, rand, ROOT, run, tempDir, type Proc } from './lib.js';

const SECTION = 'shop from cache';
const COMPOSE_V2 = process.env.PL_BENCH_COMPOSE_V2 ?? '/opt/prodlike-bench/compose-v2/usr/libexec/docker/cli-plugins/docker-compose';

/** The shop's dev profile without published ports (the bench must not clash with a running shop). */
function shopProfile(name: string, runTag: string): string {
  const env = `{ SHOP_ENV: "dev", PL_BENCH_RUN: "${runTag}" }`;
  return `name: ${name}
extends: ./base.yaml
role: dev
vars:
  shop_env: dev
machines:
  web:
    docker: { image: debian:bookworm, hostname: web, env: ${env} }
  app:
    docker: { image: debian:bookworm, hostname: app, env: ${env} }
  db:
    docker: { image: debian:bookworm, hostname: db, env: { PL_BENCH_RUN: "${runTag}" }, volumes: ["db-data:/var/lib/postgresql"] }
  cache:
    docker: { image: debian:bookworm, hostname: cache, env: { PL_BENCH_RUN: "${runTag}" } }
`;
}

// The same shop as Dockerfiles: the same packages, files, lines and services (started as the command).
const DOCKERFILES: Record<string, string> = {
  web: `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nginx
RUN mkdir -p /srv/www && chmod 0755 /srv/www
COPY index.html /srv/www/index.html
COPY nginx-shop.conf /etc/nginx/sites-available/default
RUN echo SHOP_ENV=dev >> /etc/environment
CMD ["nginx", "-g", "daemon off;"]
`,
  app: `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3
RUN useradd --system --home-dir /srv/shop --shell /usr/sbin/nologin shop \\
 && install -d -o shop -g shop -m 0755 /srv/shop/app && install -d -o shop -g shop -m 0750 /var/log/shop
COPY --chown=shop:root app/server.py /srv/shop/app/server.py
RUN echo SHOP_ENV=dev >> /etc/environment \\
 && echo SHOP_DB_URL=postgresql://shop@db/shop >> /etc/environment \\
 && echo SHOP_CACHE_URL=redis://cache:6379/0 >> /etc/environment
ENV SHOP_ENV=dev SHOP_PORT=8000
CMD ["runuser", "-u", "shop", "--", "python3", "/srv/shop/app/server.py"]
`,
  db: `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-15
RUN sed -i "s/^#\\?listen_addresses =.*/listen_addresses = '*'/" /etc/postgresql/15/main/postgresql.conf \\
 && echo "host shop shop 0.0.0.0/0 scram-sha-256" >> /etc/postgresql/15/main/pg_hba.conf
CMD ["sh", "-c", "service postgresql start && (runuser -u postgres -- psql -tAc \\"SELECT 1 FROM pg_database WHERE datname = 'shop'\\" | grep -q 1 || (runuser -u postgres -- createuser shop && runuser -u postgres -- createdb -O shop shop)) && exec sleep infinity"]
`,
  cache: `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends redis-server
RUN sed -i -E 's/^#? ?maxmemory .*/maxmemory 64mb/; s/^#? ?maxmemory-policy .*/maxmemory-policy allkeys-lru/' /etc/redis/redis.conf
CMD ["redis-server", "/etc/redis/redis.conf", "--daemonize", "no", "--bind", "0.0.0.0"]
`,
};

const COMPOSE_FILE = `services:
${['web', 'app', 'db', 'cache']
  .map((m) => `  ${m}:\n    build: ./${m}\n    init: true\n    hostname: ${m}${m === 'db' ? '\n    volumes: ["db-data:/var/lib/postgresql"]' : ''}`)
  .join('\n')}
volumes:
  db-data: {}
`;

/**
 * The same project doing the same work as Prodlike's `up`, which returns once services run and are
 * checked: `up --wait` on a healthcheck of the db (pg_isready), polled as often as Prodlike polls.
 * `up -d` alone returns before PostgreSQL accepts connections.
 */
const COMPOSE_WAIT_FILE = COMPOSE_FILE.replace(
  '    volumes: ["db-data:/var/lib/postgresql"]',
  `    volumes: ["db-data:/var/lib/postgresql"]
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1"]
      interval: 100ms
      timeout: 5s
      retries: 600`,
);

export async function composeProject(): Promise<{ dir: string; project: string }> {
  const dir = await tempDir('shop-compose');
  const files = path.join(ROOT, 'profiles', 'shop', 'files');
  for (const [m, text] of Object.entries(DOCKERFILES)) {
    await mkdir(path.join(dir, m), { recursive: true });
    await writeFile(path.join(dir, m, 'Dockerfile'), text);
  }
  await cp(path.join(files, 'index.html'), path.join(dir, 'web', 'index.html'));
  await cp(path.join(files, 'nginx-shop.conf'), path.join(dir, 'web', 'nginx-shop.conf'));
  await mkdir(path.join(dir, 'app', 'app'), { recursive: true });
  await cp(path.join(files, 'app', 'server.py'), path.join(dir, 'app', 'app', 'server.py'));
  await writeFile(path.join(dir, 'compose.yaml'), COMPOSE_FILE);
  await writeFile(path.join(dir, 'compose.wait.yaml'), COMPOSE_WAIT_FILE);
  return { dir, project: `${PREFIX}shop-${rand()}`.replace(/[^a-z0-9_-]/g, '') };
}

async function removeCacheOf(profile: string): Promise<void> {
  const ids = [...new Set((await run('docker', ['images', '-q', '--filter', `label=prodlike.cache-profile=${profile}`])).stdout.split('\n').filter(Boolean))];
  if (ids.length) await run('docker', ['rmi', '-f', ...ids]);
}

export async function shopSuite(ctx: Ctx): Promise<void> {
  // Cold rounds are ~20 s each of four variants; 4 so that the issue's cold target is judged on more than a pair.
  const coldReps = ctx.quick ? 1 : 4;
  const warmReps = ctx.quick ? 3 : 5;
  const name = `${PREFIX}shop-${rand()}`;
  const shopDir = path.join(ctx.cli.dir, 'profiles', 'bench-shop');
  await mkdir(shopDir, { recursive: true });
  await cp(path.join(ROOT, 'profiles', 'shop', 'base.yaml'), path.join(shopDir, 'base.yaml'));
  await cp(path.join(ROOT, 'profiles', 'shop', 'files'), path.join(shopDir, 'files'), { recursive: true });
  const write = (tag: string) => writeFileIn(ctx, `profiles/bench-shop/${name}.yaml`, shopProfile(name, tag));
  let file = await write('cold');
  ctx.cleanup.add(`shop ${name}`, async () => {
    await ctx.cli.run(['destroy', file, '--volumes', '--json'], [0, 1]).catch(() => undefined);
    await purgeProfile(name);
    await removeCacheOf(name);
  });
  const up = (...extra: string[]) => ctx.cli.run(['up', file, '--json', ...extra]);
  const destroy = (...extra: string[]) => ctx.cli.run(['destroy', file, '--json', ...extra]);

  // The issue's "cold no slower than today": the engine before the cache, beside today's.
  const old = await beforeCacheEngine(ctx, (n) => shopProfile(n, 'before-cache'));
  if (typeof old === 'string') ctx.results.skip(`${SECTION} (the engine before the cache)`, `${old}: the cold rows are shown against --no-cache, without the issue's target`);

  // Cold without and with saving, interleaved: the load of a shared machine drifts between runs.
  log(`${SECTION}: fresh up, cold, ${typeof old === 'string' ? '' : 'the engine before the cache, '}no cache and saving to the cache (apt lists kept, and fetched), interleaved (${coldReps}× each)`);
  // A new run tag in every machine's env: a key no earlier run saved.
  const freshSave = async (listsKept = true) => {
    file = await write(`save-${rand()}`);
    await destroy('--volumes');
    // As before the first run of the hour: no kept lists young enough to use, so none at all.
    if (!listsKept) await rm(path.join(ctx.cli.env.PRODLIKE_DATA_DIR!, 'cache', 'apt-lists'), { recursive: true, force: true });
    return up();
  };
  // Not counted: keeps apt's lists, as any run of the hour before would have (docs/cache.md).
  await freshSave();
  // Interleaved, every other round in the opposite order: in a fixed order, saving ran after the same
  // variant each round and was slower in all 8 rounds of a hand run; rotated, it was not (docs/cache.md).
  const coldFns: (() => Promise<Proc>)[] = [
    async () => (await destroy('--volumes'), up('--no-cache')),
    () => freshSave(),
    // The first run of the hour (a new machine, a CI job): no kept lists; the run fetches them once.
    () => freshSave(false),
  ];
  if (typeof old !== 'string') {
    coldFns.push(async () => {
      await destroy('--volumes');
      const p = await old.up();
      await old.destroy();
      return p;
    });
  }
  const [cold = [], coldSave = [], coldSaveFetch = [], before = []] = await interleave(coldReps, 0, coldFns);
  await destroy('--volumes');

  let composeCold: number | undefined;
  let composeName = 'docker compose v2 (not found)';
  let compose: ((...args: string[]) => Promise<Proc>) | undefined;
  if (!existsSync(COMPOSE_V2)) {
    ctx.results.skip(`${SECTION} (Compose v2 side)`, `Compose v2 not found at ${COMPOSE_V2}: run scripts/fetch-compose-v2.sh (Debian trixie's docker-compose, unpacked)`);
  } else {
    const version = (await must(COMPOSE_V2, ['version', '--short'])).stdout.trim();
    composeName = `docker compose ${version}`;
    const { dir, project } = await composeProject();
    const c = (compose = (...args: string[]) => must(COMPOSE_V2, ['-p', project, ...args], { cwd: dir, timeoutMs: 900_000 }));
    ctx.cleanup.add(`compose ${project}`, () => c('down', '-v', '--rmi', 'local', '-t', '0'));
    log(`${SECTION}: Compose v2 cold build + up`);
    const b = await c('build', '--no-cache');
    const u = await c('up', '-d');
    composeCold = b.ms + u.ms;
    await c('down', '-v', '-t', '0');
  }

  // From the cache, in-process and through the warm agent (the installed command, as a user types it),
  // interleaved with Compose v2's `up -d --build` and the same work (`--wait` on the db's healthcheck):
  // the load of a shared machine drifts between blocks of runs.
  log(`${SECTION}: fresh up after destroy from the cache (in-process, with the agent), Compose v2 up -d --build and up -d --build --wait, warm (${warmReps}× each, interleaved)`);
  await up(); // the volume made again, so that every timed run below starts with it, as Compose's do
  await ctx.cli.runAgent(['agent', 'start']);
  ctx.cleanup.add('agent', () => ctx.cli.runAgent(['agent', 'stop']));
  const fns: (() => Promise<Proc>)[] = [
    async () => (await destroy(), up()),
    async () => (await destroy(), ctx.cli.runAgent(['up', file, '--json'])),
  ];
  if (compose) {
    const c = compose;
    fns.push(async () => (await c('down', '-v', '-t', '0'), c('up', '-d', '--build')));
    fns.push(async () => (await c('down', '-v', '-t', '0'), c('-f', 'compose.wait.yaml', 'up', '-d', '--build', '--wait')));
  }
  const [warm, warmAgent, cw, cwait] = await interleave(warmReps, 0, fns);
  await ctx.cli.runAgent(['agent', 'stop']);
  for (const p of [...warm!, ...warmAgent!]) if (!/from cache/.test(p.stdout)) throw new Error('a warm shop run did not start from the cache: the rows would not measure it');
  await destroy('--volumes');
  const composeWarm = cw ? ms(cw) : [];
  const composeWait = cwait ? ms(cwait) : [];

  ctx.results.add({ section: SECTION, metric: 'fresh up, 4 machines, cold (--no-cache)', prodlike: med(cold), peer: composeCold, peerName: `${composeName}: build --no-cache + up -d`, unit: 'ms', n: coldReps, samples: { prodlike: ms(cold), ...(composeCold !== undefined ? { peer: [composeCold] } : {}) }, timeline: medianTimeline(cold) });
  // Saving against the engine before the cache (the issue's "today"), with what saving costs over
  // --no-cache beside it; without that engine, against --no-cache alone.
  const savingRow = (metric: string, ps: Proc[]) => {
    const [peer, peerName] = before.length ? [before, BEFORE_CACHE_NAME] : [cold, 'prodlike up --no-cache'];
    const note = before.length ? { note: `${(med(cold) / med(ps)).toFixed(2)}× against prodlike up --no-cache (${(med(cold) / 1000).toFixed(1)} s)` } : {};
    ctx.results.add({ section: SECTION, metric, prodlike: med(ps), peer: med(peer), peerName, unit: 'ms', n: coldReps, samples: { prodlike: ms(ps), peer: ms(peer) }, timeline: medianTimeline(ps), ...note });
  };
  savingRow('fresh up, 4 machines, cold, saving to the cache (apt lists kept from a run of the hour before)', coldSave);
  savingRow('fresh up, 4 machines, cold, saving to the cache, apt lists fetched (first run of the hour: none kept)', coldSaveFetch);
  // The issue's target is judged on the first row (against `up -d`); the second does the same work.
  const sameWork = composeWait.length ? median(composeWait) / med(warm!) : undefined;
  ctx.results.add({ section: SECTION, metric: 'fresh up after destroy, 4 machines, from cache', prodlike: med(warm!), peer: composeWarm.length ? median(composeWarm) : undefined, peerName: `${composeName}: up -d --build (warm layer cache)`, unit: 'ms', n: warmReps, samples: { prodlike: ms(warm!), peer: composeWarm }, timeline: medianTimeline(warm!), ...(sameWork !== undefined ? { note: `same work, Compose --wait: ${sameWork.toFixed(2)}×` } : {}) });
  const agentSameWork = composeWait.length ? ` same work, Compose --wait: ${(median(composeWait) / med(warmAgent!)).toFixed(2)}×` : '';
  ctx.results.add({ section: SECTION, metric: 'fresh up after destroy, 4 machines, from cache, with the agent', prodlike: med(warmAgent!), peer: composeWarm.length ? median(composeWarm) : undefined, peerName: `${composeName}: up -d --build (warm layer cache)`, unit: 'ms', n: warmReps, samples: { prodlike: ms(warmAgent!), peer: composeWarm }, timeline: medianTimeline(warmAgent!), note: `the installed command with a warm agent;${agentSameWork}` });
  if (composeWait.length) {
    ctx.results.add({ section: SECTION, metric: 'same work: fresh up from cache, returning once the db accepts connections', prodlike: med(warm!), peer: median(composeWait), peerName: `${composeName}: up -d --build --wait (db healthcheck pg_isready, warm layer cache)`, unit: 'ms', n: warmReps, samples: { prodlike: ms(warm!), peer: composeWait } });
  }
}
