// The environment cache against a real Docker engine and a real registry: a machine built from cache
// ends in exactly the state of one built fresh (compared with dpkg, getent, sha256sum and stat inside
// the containers, not through Prodlike), a change reuses the longest unchanged prefix, secrets never
// reach an image, prune removes what it says, bake → push → pull, and snapshots.
//
// One machine, reused across the file in order: fresh apt installs are the slow part.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, exec, purge, skippedOnSharedEngine, removeCacheImages, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { registryTags, startRegistry, type Registry } from '../../support/registry.js';
import { initScriptResource as initScript } from '../../support/init-script.js';

const NAME = unique('pl-it-cache');
const CONTAINER = `${NAME}-m`;
const SECRET = `pw-${Math.random().toString(36).slice(2, 10)}-x`;
// Part of every cache key: states left by another run of this file never match.
const RUN = Math.random().toString(36).slice(2, 10);
// Every saved layer is carried on over (saves stack), however small: these tests are about how.
const ENV = { PRODLIKE_NO_CACHE: '', SHOP_DB_PASSWORD: SECRET, PRODLIKE_CACHE_STACK_MIN_MB: '0' };

let ws: Workspace;
let file: string;
let registry: Registry;
let repo: string;

/** The profile; `page` and `extraPackage` vary between the tests. */
function profileText(opts: { page?: string; extraPackage?: string; from?: string } = {}): string {
  return `name: ${NAME}
${opts.from ? `cache: { from: "${opts.from}" }\n` : ''}machines:
  m:
    docker:
      image: debian:bookworm
      env: { SHOP_ENV: test, TEST_RUN: ${RUN} }
      volumes: ["data:/srv/data"]
    resources:
      - package: tree
      - user: shopper
        groups: [users]
      - directory: /srv/site
        owner: shopper
        mode: "0750"
      - file: /srv/site/index.html
        src: files/index.html
        owner: shopper
        mode: "0640"
      - package: ${opts.extraPackage ?? 'file'}
      - command: apt-cache show cowsay >/dev/null && echo "built for $SHOP_ENV" > /opt/built && chmod 0600 /opt/built
        creates: /opt/built
      - file: /srv/site/page.html
        content: "${opts.page ?? 'page one'}\\n"
      - file: /srv/data/seed.txt
        content: "seed\\n"
      - file: /etc/shop/db.conf
        content: "password=\${env.SHOP_DB_PASSWORD}\\n"
        mode: "0600"
`;
}

async function writeProfile(opts: Parameters<typeof profileText>[0] = {}): Promise<void> {
  file = await ws.write('profiles/cache.yaml', profileText(opts));
}

const NAMED = ['/srv/site', '/srv/site/index.html', '/srv/site/page.html', '/opt/built', '/etc/shop/db.conf', '/srv/data/seed.txt'];

/** The machine's state as the OS reports it: packages and versions, accounts, the named files. */
function fingerprint(container: string): string {
  return exec(
    container,
    `dpkg-query -W -f '\${Package} \${Version} \${db:Status-Abbrev}\\n' | sort
getent passwd | sort; getent group | sort
for f in ${NAMED.join(' ')}; do stat -c '%n %a %U %G %F' "$f"; [ -f "$f" ] && sha256sum "$f"; done`,
  );
}

async function up(...args: string[]): Promise<CliRun & { results: Map<string, string> }> {
  const run = await ws.run(['up', file, '--json', ...args], { env: ENV });
  const results = new Map<string, string>();
  let result: { machines: { resources: { kind: string; name: string; status: string }[] }[] } | undefined;
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('{"result"')) result = JSON.parse(line).result;
  }
  for (const r of result?.machines[0]?.resources ?? []) results.set(`${r.kind} ${r.name}`, r.status);
  return { ...run, results };
}

const provisionDetail = (run: CliRun) =>
  run.stdout
    .split('\n')
    .filter((l) => l.includes('"phase":"provision"') && l.includes('"status":"done"'))
    .map((l) => JSON.parse(l).detail as string)
    .join(' ');

/** The cache images of this profile, by the engine's labels. */
function cacheImages(): { id: string; key: string; prefix: string }[] {
  const out = docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '--format', '{{.ID}}');
  return [...new Set(out ? out.split('\n') : [])].map((id) => ({
    id,
    key: docker('inspect', '-f', '{{index .Config.Labels "prodlike.cache-key"}}', id),
    prefix: docker('inspect', '-f', '{{index .Config.Labels "prodlike.cache-prefix"}}', id),
  }));
}

const containerPrefix = () => docker('inspect', '-f', '{{index .Config.Labels "prodlike.cache-prefix"}}', CONTAINER);

let freshPrint = '';

// A machine that runs as another user than root, with a service in its cached state.
const AS_USER = `${NAME}-user`;
const AS_USER_CONTAINER = `${AS_USER}-u`;
const asUserProfile = (user: string) => `name: ${AS_USER}
machines:
  u:
    docker: { image: debian:bookworm, ${user ? `user: ${user}, ` : ''}env: { TEST_RUN: ${RUN} } }
    resources:
${initScript('plquick', ["sh -c 'exec sleep 100001' </dev/null >/dev/null 2>&1 &", 'echo $! > $PID ;;'])}      - service: plquick
        state: running
`;

// A machine with a bind mount, and one whose image declares a volume.
const BIND = `${NAME}-bind`;
const VOL = `${NAME}-vol`;
const VOL_IMAGE = `${NAME}-volimage:1`;

// A machine with a secret in its container's environment.
const ENV_SECRET = `${NAME}-envsecret`;

// A second profile: a machine whose cached state has a service running.
const SVC = `${NAME}-svc`;
const SVC_CONTAINER = `${SVC}-s`;
const svcProfile = `name: ${SVC}
machines:
  s:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN} } }
    resources:
      - package: cron
      - file: /etc/cron.d/shop
        content: "# nothing\\n"
        mode: "0644"
      - service: cron
        state: running
`;

// A fourth: services whose pid files, saved in the cached state, name a process that lives in every
// new container (pid 1). That stands for the chance collision (pids start again at 1 in each container):
// an init script that checks `kill -0 <pid>` (as cron's status does) would call the service running and
// skip its start. On s, plpid starts as the container starts (its start script); on t, plpid2 comes
// after a command guarded by a shell test, so converge starts it (no start script: the first probe
// removes them); u runs as nobody (`user:`), and v's image runs as nobody (its USER), so neither has a
// start script (one run as nobody could not start a service; before, v's container exited at once).
const STALE = `${NAME}-stale`;
const NOBODY_IMAGE = `${NAME}-nobody:1`;
const staleProfile = `name: ${STALE}
machines:
  s:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN} } }
    resources:
${initScript('plpid', ["sh -c 'exec sleep 100005' </dev/null >/dev/null 2>&1 &", 'echo 1 > $PID ;;'])}      - service: plpid
        state: running
  t:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN} } }
    resources:
      - command: touch /opt/plpid-checked
        unless: test -e /opt/plpid-checked
${initScript('plpid2', ["sh -c 'exec sleep 100006' </dev/null >/dev/null 2>&1 &", 'echo 1 > $PID ;;'])}      - service: plpid2
        state: running
  u:
    docker: { image: debian:bookworm, user: nobody, env: { TEST_RUN: ${RUN} } }
    resources:
${initScript('plpid3', ["sh -c 'exec sleep 100007' </dev/null >/dev/null 2>&1 &", 'echo 1 > $PID ;;'])}      - service: plpid3
        state: running
  v:
    docker: { image: ${NOBODY_IMAGE}, env: { TEST_RUN: ${RUN} } }
    resources:
${initScript('plpid4', ["sh -c 'exec sleep 100008' </dev/null >/dev/null 2>&1 &", 'echo 1 > $PID ;;'])}      - service: plpid4
        state: running
`;

// A third: a service whose start script confirms for 30 s after it answers (as Debian's PostgreSQL
// script does for 2 s), with a `ready:` check.
const READY = `${NAME}-ready`;
const READY_CONTAINER = `${READY}-s`;
const readyProfile = `name: ${READY}
machines:
  s:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN} } }
    resources:
${initScript(
  'plslow',
  ['rm -f /run/plslow.ready', "sh -c 'sleep 0.3; touch /run/plslow.ready; exec sleep 100000' </dev/null >/dev/null 2>&1 &", 'echo $! > $PID', 'exec sleep 30 ;;'],
  ' /run/plslow.ready',
)}      - command: touch /opt/plslow-built
        creates: /opt/plslow-built
      - service: plslow
        ready: test -e /run/plslow.ready
`;

/** What of apt's download caches and package lists an image holds (counted in a container of it). */
function aptLeftovers(image: string): { debs: number; binCaches: number; lists: number } {
  const count = (find: string) => Number(docker('run', '--rm', '--entrypoint', 'sh', image, '-c', `${find} 2>/dev/null | wc -l`));
  return {
    debs: count('find /var/cache/apt/archives -name "*.deb"'),
    binCaches: count('ls /var/cache/apt/pkgcache.bin /var/cache/apt/srcpkgcache.bin'),
    lists: count('find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock'),
  };
}

/** The container's processes as the engine lists them (not through an exec in it). */
const processes = (container: string) =>
  docker('top', container, '-eo', 'pid,comm')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[1])
    .sort()
    .join(' ');

beforeAll(async () => {
  ws = await workspace();
  await ws.write('profiles/files/index.html', '<h1>shop</h1>\n');
  await writeProfile();
  registry = await startRegistry();
  repo = `${registry.address}/${NAME}`;
});

afterAll(async () => {
  purge(NAME);
  purge(SVC);
  purge(READY);
  purge(ENV_SECRET);
  removeCacheImages(ENV_SECRET);
  purge(AS_USER);
  removeCacheImages(AS_USER);
  purge(BIND);
  removeCacheImages(BIND);
  purge(VOL);
  removeCacheImages(VOL);
  dockerTry('rmi', '-f', VOL_IMAGE, NOBODY_IMAGE);
  removeCacheImages(READY);
  removeCacheImages(SVC);
  purge(STALE);
  removeCacheImages(STALE);
  for (const img of cacheImages()) dockerTry('rmi', '-f', img.id);
  const snaps = docker('images', '--filter', `label=prodlike.snapshot-profile=${NAME}`, '-q');
  if (snaps) dockerTry('rmi', '-f', ...new Set(snaps.split('\n')));
  const vols = docker('volume', 'ls', '--filter', `label=prodlike.snapshot-profile=${NAME}`, '-q');
  if (vols) dockerTry('volume', 'rm', ...vols.split('\n'));
  const pulled = docker('images', repo, '-q');
  if (pulled) dockerTry('rmi', '-f', ...new Set(pulled.split('\n')));
  await registry?.stop();
});

describe('environment cache', () => {
  it('a fresh up after destroy starts from the cache and ends equal to a fresh build', async () => {
    const cold = await up();
    expect(cold.code, cold.stderr).toBe(0);
    expect(provisionDetail(cold)).toBe('created');
    freshPrint = fingerprint(CONTAINER);
    expect(freshPrint).toMatch(/^tree /m);
    expect(cacheImages().map((i) => i.prefix).sort()).toEqual(['1/9', '5/9', '6/9']);
    // Where the profile lives on this computer is not in a state a teammate may pull.
    for (const i of cacheImages()) expect(docker('inspect', '-f', '{{index .Config.Labels "prodlike.profile-file"}}', i.id)).toBe('');
    // Saves stack: each state is a layer over the one before it, not the packages again over the base.
    const byPrefix = new Map(cacheImages().map((i) => [i.prefix, i.id]));
    const layers = (p: string) => JSON.parse(docker('inspect', '-f', '{{json .RootFS.Layers}}', byPrefix.get(p)!)) as string[];
    expect(layers('5/9').slice(0, -1)).toEqual(layers('1/9'));
    expect(layers('6/9').slice(0, -1)).toEqual(layers('5/9'));
    // apt's caches are never saved; its lists only while a package or a command follows (\`file\` after
    // \`tree\`; the command after \`file\`, which reads them for a package not installed: it would fail
    // had the save removed them).
    expect(aptLeftovers(byPrefix.get('1/9')!)).toMatchObject({ debs: 0, binCaches: 0 });
    expect(aptLeftovers(byPrefix.get('1/9')!).lists).toBeGreaterThan(0);
    expect(aptLeftovers(byPrefix.get('5/9')!)).toMatchObject({ debs: 0, binCaches: 0 });
    expect(aptLeftovers(byPrefix.get('5/9')!).lists).toBeGreaterThan(0);
    expect(aptLeftovers(byPrefix.get('6/9')!)).toEqual({ debs: 0, binCaches: 0, lists: 0 });
    // The containers replaced while saves stacked are gone when up returns (removed after the new one started).
    expect(docker('ps', '-a', '--filter', `name=${CONTAINER}`, '--format', '{{.Names}}').split('\n').filter(Boolean)).toEqual([CONTAINER]);

    expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);
    const warm = await up();
    expect(warm.code, warm.stderr).toBe(0);
    expect(provisionDetail(warm)).toMatch(/^created from cache \(saved .*, 6 of 9 resources\)$/);
    expect(containerPrefix()).toBe('6/9');
    // Nothing expensive ran again: packages and the command were in the image.
    expect(warm.results.get('package tree')).toBe('ok');
    expect(warm.results.get('command apt-cache show cowsay >/dev/null && echo "built for $SHOP_ENV" > /opt/built && chmod 0600 /opt/built')).toBe('ok');
    expect(fingerprint(CONTAINER)).toBe(freshPrint);
    expect(warm.ms).toBeLessThan(cold.ms / 2);

    // The next up keeps the container: its config hash is the machine's, not the cached image's.
    const again = await up();
    expect(provisionDetail(again)).toBe('kept');
    expect([...again.results.values()].every((s) => s === 'ok')).toBe(true);
  });

  it('a secret-bearing resource is applied but never in a cached image', async () => {
    expect(exec(CONTAINER, 'cat /etc/shop/db.conf')).toBe(`password=${SECRET}`);
    const images = cacheImages();
    expect(images.length).toBeGreaterThan(0);
    // The images as the engine stores them (every layer's files and each config), in one archive.
    const ids = images.map((i) => i.id).join(' ');
    const hits = execFileSync('sh', ['-c', `docker save ${ids} | grep -a -c -F '${SECRET}' || true`], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim();
    expect(hits).toBe('0');
    // The same search finds the secret where it is: the container's own disk (so the search can fail).
    const found = execFileSync('sh', ['-c', `docker export ${CONTAINER} | grep -a -c -F '${SECRET}' || true`], { encoding: 'utf8' }).trim();
    expect(Number(found)).toBeGreaterThan(0);
  });

  it('a machine whose docker settings hold a secret saves nothing: an image keeps the settings of the container it came from', async () => {
    // Checked first on the engine itself, so that the test can fail: a commit keeps the container's
    // environment in the image's config as the container had it, even when the image's own is reset.
    const probe = `${NAME}-envprobe`;
    docker('run', '-d', '--name', probe, '-e', `PW=${SECRET}`, 'debian:bookworm', 'sleep', 'infinity');
    try {
      docker('commit', '-c', 'ENV PW=', probe, `${probe}:1`);
      expect(docker('image', 'inspect', `${probe}:1`)).toContain(SECRET);
    } finally {
      dockerTry('rm', '-f', probe);
      dockerTry('rmi', '-f', `${probe}:1`);
    }
    const envFile = await ws.write(
      'profiles/env-secret.yaml',
      `name: ${ENV_SECRET}
machines:
  e:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN}, SHOP_DB_PASSWORD: "\${env.SHOP_DB_PASSWORD}" } }
    resources:
      - file: /etc/shop.conf
        content: "shop\\n"
`,
    );
    const first = await ws.run(['up', envFile, '--json'], { env: ENV });
    expect(first.code, first.stderr).toBe(0);
    expect(docker('exec', `${ENV_SECRET}-e`, 'sh', '-c', 'echo "$SHOP_DB_PASSWORD"')).toBe(SECRET);
    expect(first.stdout).toContain('not started from cache: its docker settings hold a secret');
    expect(docker('images', '--filter', `label=prodlike.cache-profile=${ENV_SECRET}`, '-q')).toBe('');
  });

  it('a machine with user: starts from the cache without a start script it could not run, and a user removed from the profile is not kept by the image', async () => {
    const userFile = await ws.write('profiles/as-user.yaml', asUserProfile('nobody'));
    const run = (...args: string[]) => ws.run([...args, userFile, '--json'], { env: ENV });
    const service = () => docker('top', AS_USER_CONTAINER, '-eo', 'pid,user,args').split('\n').filter((l) => /sleep 100001$/.test(l.trim()));
    expect((await run('up')).code).toBe(0);
    expect(docker('images', '--filter', `label=prodlike.cache-profile=${AS_USER}`, '-q')).not.toBe('');
    expect((await run('destroy')).code).toBe(0);

    // From the cache: the service is started by converge, as root, as in a fresh build (a start script run
    // as nobody could not write its pid file or the start mark, and the probe waited ~2 minutes for it).
    const t0 = Date.now();
    const warm = await run('up');
    expect(warm.code, warm.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(provisionDetail(warm)).toMatch(/^created from cache \(saved .*, 2 of 2 resources\)$/);
    expect(docker('inspect', '-f', '{{.Config.User}}', AS_USER_CONTAINER)).toBe('nobody');
    expect(service()).toHaveLength(1);
    expect(service()[0]).toMatch(/^\d+\s+root\s/);

    // Without user: (not in the key: converge's commands run as root either way) the cached state is used,
    // and the container runs as root, as one from the base image would: the image kept no user of its own.
    await ws.write('profiles/as-user.yaml', asUserProfile(''));
    expect((await run('destroy')).code).toBe(0);
    const again = await run('up');
    expect(again.code, again.stderr).toBe(0);
    expect(provisionDetail(again)).toMatch(/from cache/);
    expect(docker('exec', AS_USER_CONTAINER, 'id', '-u')).toBe('0');
    expect(service()).toHaveLength(1);
  });

  it('a command on a machine with a bind mount runs again on a fresh up: nothing past it is saved (the key cannot see the folder)', async () => {
    const profileOf = (bind: boolean) => `name: ${BIND}
machines:
  b:
    docker: { image: debian:bookworm, env: { TEST_RUN: ${RUN} }${bind ? `, volumes: ["${ws.dir}/src:/srv/src:ro"]` : ''} }
    resources:
      - file: /etc/a.conf
        content: "a\\n"
      - command: cp /srv/src/req.txt /opt/req.txt 2>/dev/null || echo none > /opt/req.txt
        creates: /opt/req.txt
      - file: /etc/b.conf
        content: "b\\n"
`;
    const images = () => docker('images', '--filter', `label=prodlike.cache-profile=${BIND}`, '-q');
    const run = async (...args: string[]) => {
      const r = await ws.run([...args, bindFile], { env: ENV });
      expect(r.code, r.stderr).toBe(0);
    };
    // Without a bind mount the same machine is saved (so the check below can fail).
    let bindFile = await ws.write('profiles/bind.yaml', profileOf(false));
    await run('up');
    expect(images()).not.toBe('');
    await run('destroy');
    removeCacheImages(BIND);

    await ws.write('src/req.txt', 'flask\n');
    bindFile = await ws.write('profiles/bind.yaml', profileOf(true));
    await run('up');
    expect(exec(`${BIND}-b`, 'cat /opt/req.txt')).toBe('flask');
    expect(images()).toBe('');
    await run('destroy');
    await ws.write('src/req.txt', 'flask requests\n');
    await run('up');
    expect(exec(`${BIND}-b`, 'cat /opt/req.txt')).toBe('flask requests');
  });

  it('a machine whose image declares a volume the profile does not mount saves nothing, and says why', async () => {
    execFileSync('docker', ['build', '-q', '-t', VOL_IMAGE, '-'], { input: 'FROM debian:bookworm\nVOLUME /data\n', encoding: 'utf8' });
    const profileOf = (named: boolean) => `name: ${VOL}
machines:
  v:
    docker: { image: ${VOL_IMAGE}, env: { TEST_RUN: ${RUN} }${named ? ', volumes: ["seed:/data"]' : ''} }
    resources:
      - file: /data/seed.txt
        content: "seed\\n"
      - file: /etc/v.conf
        content: "v\\n"
`;
    const images = () => docker('images', '--filter', `label=prodlike.cache-profile=${VOL}`, '-q');
    let volFile = await ws.write('profiles/vol.yaml', profileOf(true));
    // With a named volume there, the machine is saved (so the check below can fail).
    const named = await ws.run(['up', volFile], { env: ENV });
    expect(named.code, named.stderr).toBe(0);
    expect(images()).not.toBe('');
    expect((await ws.run(['destroy', volFile, '--volumes'], { env: ENV })).code).toBe(0);
    removeCacheImages(VOL);

    volFile = await ws.write('profiles/vol.yaml', profileOf(false));
    const first = await ws.run(['up', volFile, '--json'], { env: ENV });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('not started from cache: its image declares a volume at /data');
    expect(images()).toBe('');
    expect(exec(`${VOL}-v`, 'cat /data/seed.txt')).toBe('seed');
  });

  it('changing one file reuses the package layer and applies only the rest', async () => {
    await writeProfile({ page: 'page two' });
    await ws.run(['destroy', file], { env: ENV });
    const run = await up();
    expect(run.code, run.stderr).toBe(0);
    expect(provisionDetail(run)).toMatch(/from cache .*6 of 9 resources/);
    expect(run.results.get('package file')).toBe('ok');
    expect(run.results.get('file /srv/site/page.html')).toBe('changed');
    expect(exec(CONTAINER, 'cat /srv/site/page.html')).toBe('page two');
  });

  it('changing a package invalidates the cache from that resource on', async () => {
    await writeProfile({ page: 'page two', extraPackage: 'less' });
    await ws.run(['destroy', file], { env: ENV });
    const run = await up();
    expect(run.code, run.stderr).toBe(0);
    expect(provisionDetail(run)).toMatch(/from cache .*1 of 9 resources/);
    // Saved after 5 (the new package) with more to save: the run carried on in a container from that state.
    expect(containerPrefix()).toBe('5/9');
    expect(run.results.get('package tree')).toBe('ok');
    expect(run.results.get('user shopper')).toBe('changed');
    expect(run.results.get('package less')).toBe('changed');
    expect(exec(CONTAINER, "dpkg-query -W -f '${Status}' less")).toBe('install ok installed');
  });

  it('--no-cache builds from the base image and ends in the same state as the cached build', async () => {
    await writeProfile();
    // Without its volume: with a volume kept, the packages would be installed before it is mounted, and
    // that state saved to carry on from (clean-stop.test.ts).
    await ws.run(['destroy', file, '--volumes'], { env: ENV });
    const before = cacheImages().length;
    const run = await up('--no-cache');
    expect(run.code, run.stderr).toBe(0);
    expect(provisionDetail(run)).toBe('created');
    expect(docker('inspect', '-f', '{{.Config.Image}}', CONTAINER)).toBe('debian:bookworm');
    expect(run.results.get('package tree')).toBe('changed');
    expect(cacheImages().length).toBe(before);
    expect(fingerprint(CONTAINER)).toBe(freshPrint);
  });

  it('a state saved again over its key (--no-cache, volume kept) is counted by the state built on it in cache ls', async () => {
    // With the volume kept, --no-cache installs the packages before mounting it and saves that state again:
    // the tag moves to the new image, and the old one stays, untagged, under the states built on it.
    await ws.run(['destroy', file], { env: ENV });
    const before = new Map(cacheImages().map((i) => [i.key, i.id]));
    const run = await up('--no-cache');
    expect(run.code, run.stderr).toBe(0);
    const replaced = cacheImages().filter((i) => before.has(i.key) && before.get(i.key) !== i.id);
    expect(replaced.map((r) => r.prefix)).toHaveLength(1);
    const old = before.get(replaced[0]!.key)!;
    expect(docker('image', 'inspect', '-f', '{{len .RepoTags}}', old)).toBe('0');
    const size = (id: string) => Number(docker('image', 'inspect', '-f', '{{.Size}}', id));
    const oldOwn = size(old) - size(docker('image', 'inspect', '-f', '{{index .Config.Labels "prodlike.cache-parent"}}', old));
    expect(oldOwn).toBeGreaterThan(1_000_000);
    const children = docker('images', '-a', '-q', '--no-trunc', '--filter', `label=prodlike.cache-parent=${docker('image', 'inspect', '-f', '{{.Id}}', old)}`).split('\n').filter(Boolean);
    expect(children.length).toBeGreaterThan(0);
    const listed = JSON.parse((await ws.run(['cache', 'ls', '--json'], { env: ENV })).stdout) as { entries: { key: string; sizeBytes: number }[] };
    for (const child of children) {
      const key = docker('image', 'inspect', '-f', '{{index .Config.Labels "prodlike.cache-key"}}', child);
      const entry = listed.entries.find((e) => e.key === key);
      // What removing it frees: its own layer and the old state's beneath it (docker rmi takes both).
      expect(entry?.sizeBytes).toBeGreaterThanOrEqual(oldOwn + size(child) - size(old));
    }
  });

  it('snapshot save → a file and a package change → restore brings both back, volume included', async () => {
    const save = await ws.run(['snapshot', 'save', file, 'before'], { env: ENV });
    expect(save.code, save.stderr).toBe(0);
    expect(save.stdout).toContain('volumes: data');
    exec(CONTAINER, 'echo tampered > /srv/site/page.html && echo gone > /srv/data/seed.txt && dpkg -r tree >/dev/null');
    expect(dockerTry('exec', CONTAINER, 'dpkg-query', '-W', 'tree').code).not.toBe(0);
    const ls = await ws.run(['snapshot', 'ls', file], { env: ENV });
    expect(ls.stdout).toMatch(/^before .*machines: m {2}volumes: data$/m);
    const restore = await ws.run(['snapshot', 'restore', file, 'before'], { env: ENV });
    expect(restore.code, restore.stderr).toBe(0);
    // No service to start; its command (which may start a process, or change the disk) is up's to run.
    expect(restore.stdout).toMatch(/^\s*m: restored, left to `prodlike up`: 1 command$/m);
    expect(exec(CONTAINER, 'cat /srv/site/page.html')).toBe('page one');
    expect(exec(CONTAINER, 'cat /srv/data/seed.txt')).toBe('seed');
    expect(fingerprint(CONTAINER)).toBe(freshPrint);
    // A restored machine is the profile's machine: up keeps it.
    expect(provisionDetail(await up())).toBe('kept');
    const rm = await ws.run(['snapshot', 'rm', file, 'before'], { env: ENV });
    expect(rm.code).toBe(0);
    expect(docker('images', `prodlike-snapshot`, '--format', '{{.Tag}}').split('\n').filter((t) => t.startsWith(NAME))).toEqual([]);
    expect(docker('volume', 'ls', '--filter', `label=prodlike.snapshot-profile=${NAME}`, '-q')).toBe('');
    // The machine still runs from the snapshot's image: that image goes with its container, not left untagged.
    expect(docker('images', '-a', '--filter', `label=prodlike.snapshot-profile=${NAME}`, '-q')).not.toBe('');
    expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);
    expect(docker('images', '-a', '--filter', `label=prodlike.snapshot-profile=${NAME}`, '-q')).toBe('');
  });

  let baked: string[] = [];
  it('bake builds every state, pushes them to a registry, and leaves no container of its own', async () => {
    const bake = await ws.run(['bake', file, '--push', repo], { env: ENV });
    expect(bake.code, bake.stdout + bake.stderr).toBe(0);
    const keys = cacheImages().map((i) => i.key);
    const tags = await registryTags(registry.address, NAME);
    expect(tags.length).toBe(3);
    for (const t of tags) expect(keys.some((k) => k.startsWith(t))).toBe(true);
    // The bake's own containers are gone.
    expect(docker('ps', '-a', '--filter', `label=prodlike.profile`, '--format', '{{.Names}}').split('\n').filter((n) => n.startsWith(`${NAME}-bake`))).toEqual([]);
    const listed = JSON.parse((await ws.run(['cache', 'ls', '--json'], { env: ENV })).stdout) as { entries: { key: string }[] };
    baked = listed.entries.filter((e) => tags.some((t) => e.key.startsWith(t))).map((e) => e.key);
    expect(baked.length).toBe(3);
    expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);
  });

  // `cache prune --all` removes every profile's states on the engine, a developer's own too: run only
  // where the engine is the tests' own. The next test removes this file's states itself.
  it.skipIf(skippedOnSharedEngine('cache prune --all in cache.test.ts'))('cache prune --all removes every local state, and says which', async () => {
    expect(baked.length).toBe(3);
    const prune = JSON.parse((await ws.run(['cache', 'prune', '--all', '--json'], { env: ENV })).stdout) as { removed: { key: string }[] };
    const removed = prune.removed.map((e) => e.key);
    for (const k of baked) expect(removed).toContain(k);
    for (const k of removed) expect(docker('images', '--filter', `label=prodlike.cache-key=${k}`, '-q')).toBe('');
  });

  it('with no state left on this engine, up pulls the baked state and converges', async () => {
    expect(baked.length).toBe(3);
    removeCacheImages(NAME);
    expect(cacheImages()).toEqual([]);
    const pushed = docker('images', repo, '-q');
    if (pushed) docker('rmi', '-f', ...new Set(pushed.split('\n')));

    await writeProfile({ from: repo });
    const run = await up();
    expect(run.code, run.stderr).toBe(0);
    expect(provisionDetail(run)).toMatch(new RegExp(`from cache .*6 of 9 resources, pulled from ${repo.replace(/[.]/g, '\\.')}`));
    expect(run.results.get('package tree')).toBe('ok');
    expect(fingerprint(CONTAINER)).toBe(freshPrint);
    // What was pushed holds nothing of this computer or of the machine's container: not the profile
    // file's path (labels), not the profile's env: (a commit keeps the config of the container it was
    // made from, `container_config`, beside the image's own).
    const pulled = [...new Set(docker('images', repo, '-q').split('\n').filter(Boolean))];
    expect(pulled.length).toBeGreaterThan(0);
    for (const id of pulled) {
      const config = docker('image', 'inspect', id);
      expect(config).not.toContain(ws.dir);
      expect(config).not.toContain('SHOP_ENV=test');
      expect(config).not.toContain(`TEST_RUN=${RUN}`);
    }
  });

  it('a container from a cached state starts its services as it starts: the first probe finds them running', async () => {
    const svcFile = await ws.write('profiles/svc.yaml', svcProfile);
    // With the default: a saved layer this small is not carried on over.
    const run = (...args: string[]) => ws.run([...args, svcFile, '--json'], { env: { ...ENV, PRODLIKE_CACHE_STACK_MIN_MB: '' } });
    const resultsOf = (r: CliRun) => {
      const line = r.stdout.split('\n').find((l) => l.startsWith('{"result"'));
      return (JSON.parse(line!).result.machines[0].resources as { kind: string; status: string }[]).map((x) => `${x.kind}:${x.status}`);
    };
    // A fresh build, without the cache, is what the cached one must end equal to.
    const fresh = await run('up', '--no-cache');
    expect(fresh.code, fresh.stderr).toBe(0);
    const freshProcs = processes(SVC_CONTAINER);
    expect(freshProcs).toContain('cron');
    expect((await run('destroy')).code).toBe(0);

    const cold = await run('up');
    expect(cold.code, cold.stderr).toBe(0);
    // The last save is written while the run goes on, and is there when up returns. cron's layer (apt's
    // caches and lists left out) is far below 64 MB: the machine did not carry on over it, so the last
    // save is one layer over the base, holding the package again.
    const images = docker('images', '--filter', `label=prodlike.cache-profile=${SVC}`, '--format', '{{.ID}}').split('\n');
    const prefixOf = (id: string) => docker('inspect', '-f', '{{index .Config.Labels "prodlike.cache-prefix"}}', id);
    const [first, last] = ['1/3', '3/3'].map((p) => images.find((id) => prefixOf(id) === p));
    expect(first && last).toBeTruthy();
    expect(cold.stdout).not.toContain('carries on in a container');
    expect(docker('inspect', '-f', '{{index .Config.Labels "prodlike.cache-parent"}}', last!)).toBe(docker('inspect', '-f', '{{.Id}}', 'debian:bookworm'));
    const size = (ref: string) => Number(docker('image', 'inspect', '-f', '{{.Size}}', ref));
    expect(size(first!) - size('debian:bookworm')).toBeLessThan(64 * 1024 * 1024);
    expect(aptLeftovers(first!)).toEqual({ debs: 0, binCaches: 0, lists: 0 });
    expect((await run('destroy')).code).toBe(0);

    const warm = await run('up');
    expect(warm.code, warm.stderr).toBe(0);
    expect(provisionDetail(warm)).toMatch(/^created from cache \(saved .*, 3 of 3 resources; services start with it: cron\)$/);
    // Started with the container, before the first probe: nothing to do, one probe.
    expect(resultsOf(warm)).toEqual(['package:ok', 'file:ok', 'service:ok']);
    expect(docker('inspect', '-f', '{{index .Config.Labels "prodlike.starts-services"}}', SVC_CONTAINER)).toBe('cron');
    expect(processes(SVC_CONTAINER)).toBe(freshProcs);

    // Stopped and started again (the same container): its services start again, and up waits for them.
    expect((await run('down')).code).toBe(0);
    const again = await run('up');
    expect(again.code, again.stderr).toBe(0);
    expect(provisionDetail(again)).toBe('started');
    expect(resultsOf(again)).toEqual(['package:ok', 'file:ok', 'service:ok']);
    expect(processes(SVC_CONTAINER)).toBe(freshProcs);

    // A snapshot of it, restored: a snapshot holds the disk, not the processes, and the restore starts
    // cron again, as the container is put back (no start script: up waits for none). cron's pid file is
    // in the snapshot, naming a process that is gone (or a new one with the same pid, and cron's status
    // would say running): it is removed first, as a boot empties /run, and the new cron writes its own.
    expect(exec(SVC_CONTAINER, 'ls /run/crond.pid')).toBe('/run/crond.pid');
    expect((await run('snapshot', 'save')).code).toBe(0);
    const back = await ws.run(['snapshot', 'restore', svcFile], { env: ENV });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^\s*s: restored, services started: cron$/m);
    expect(processes(SVC_CONTAINER)).toBe(freshProcs);
    expect(exec(SVC_CONTAINER, 'cat /proc/$(cat /run/crond.pid)/comm')).toBe('cron');
    expect(docker('inspect', '-f', '{{index .Config.Labels "prodlike.starts-services"}}', SVC_CONTAINER)).toBe('');
    const restored = await run('up');
    expect(restored.code, restored.stderr).toBe(0);
    expect(provisionDetail(restored)).toBe('kept');
    expect(resultsOf(restored)).toEqual(['package:ok', 'file:ok', 'service:ok']);
    expect(restored.ms).toBeLessThan(60_000);
    expect((await run('snapshot', 'rm')).code).toBe(0);
  });

  it('a container from a cached state does not trust the pid files saved in it: its services start, with it and in converge', async () => {
    execFileSync('docker', ['build', '-q', '-t', NOBODY_IMAGE, '-'], { input: 'FROM debian:bookworm\nUSER nobody\n', encoding: 'utf8' });
    const staleFile = await ws.write('profiles/stale.yaml', staleProfile);
    const run = (...args: string[]) => ws.run([...args, staleFile, '--json'], { env: ENV });
    const sleeping = () =>
      ['s', 't', 'u', 'v'].flatMap((m) =>
        docker('top', `${STALE}-${m}`, '-eo', 'pid,args')
          .split('\n')
          .filter((l) => /^\d+\s+sleep 10000[5-8]$/.test(l.trim()))
          .map((l) => `${m}: ${l.trim().replace(/^\d+\s+/, '')}`),
      );
    const cold = await run('up');
    expect(cold.code, cold.stderr).toBe(0);
    expect(sleeping()).toEqual(['s: sleep 100005', 't: sleep 100006', 'u: sleep 100007', 'v: sleep 100008']);
    // The premise: each machine's whole state holds its pid file, naming pid 1.
    const state = (m: string, prefix: string) => docker('images', '-q', '--filter', `label=prodlike.cache-profile=${STALE}`, '--filter', `label=prodlike.cache-machine=${m}`, '--filter', `label=prodlike.cache-prefix=${prefix}`);
    for (const [m, prefix, pidFile] of [
      ['s', '2/2', '/run/plpid.pid'],
      ['t', '3/3', '/run/plpid2.pid'],
      ['u', '2/2', '/run/plpid3.pid'],
      ['v', '2/2', '/run/plpid4.pid'],
    ] as const) {
      expect(docker('run', '--rm', '--entrypoint', 'cat', state(m, prefix), pidFile)).toBe('1');
    }
    expect((await run('destroy')).code).toBe(0);

    const warm = await run('up');
    expect(warm.code, warm.stderr).toBe(0);
    expect(provisionDetail(warm)).toMatch(/created from cache \(saved [^)]*, 2 of 2 resources; services start with it: plpid\)/);
    expect(provisionDetail(warm).match(/created from cache \(saved [^)]*\)/g)).toHaveLength(4);
    expect(provisionDetail(warm)).toMatch(/created from cache \(saved [^)]*, 3 of 3 resources\)/);
    // All four run, as after the fresh build: no start was skipped on a saved pid file.
    expect(sleeping()).toEqual(['s: sleep 100005', 't: sleep 100006', 'u: sleep 100007', 'v: sleep 100008']);
  });

  it('a service with ready: is up once its check passes, fresh and from cache, while its start script still confirms', async () => {
    const file = await ws.write('profiles/ready.yaml', readyProfile);
    const run = (...args: string[]) => ws.run([...args, file, '--json'], { env: ENV });
    // Its start script (`sleep 30`) still running, seen from the engine, and the service answering.
    const confirming = () => docker('top', READY_CONTAINER, '-eo', 'pid,args').split('\n').some((l) => /^\s*\d+\s+sleep 30$/.test(l));
    const answers = () => dockerTry('exec', READY_CONTAINER, 'test', '-e', '/run/plslow.ready').code === 0;
    for (const how of ['fresh', 'from cache']) {
      const r = await run('up');
      expect(r.code, r.stderr).toBe(0);
      if (how === 'from cache') expect(provisionDetail(r)).toMatch(/services start with it: plslow\)$/);
      expect(answers()).toBe(true);
      expect(confirming()).toBe(true);
      expect((await run('destroy')).code).toBe(0);
    }
  });
});
