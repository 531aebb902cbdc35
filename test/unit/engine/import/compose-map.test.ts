// Compose services → profile machines: what each key becomes, and what is listed as not imported.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapCompose, splitWords } from '../../../../electron/engine/import/compose-map.js';
import { readCompose } from '../../../../electron/engine/import/compose-read.js';
import { renderProfile } from '../../../../electron/engine/import/write-profile.js';
import { parse } from 'yaml';
import { folder, profileError } from '../profile/fixture.js';
import { readFile } from 'node:fs/promises';

async function imported(files: Record<string, string>, opts: { env?: Record<string, string>; profiles?: string[] } = {}) {
  const dir = await folder(files);
  const project = await readCompose([join(dir, 'compose.yaml')], { env: opts.env ?? {} });
  const p = await mapCompose(project, { activeProfiles: opts.profiles ?? [], outDir: join(dir, 'profiles', project.name), readText: (f) => readFile(f, 'utf8').catch(() => undefined) });
  return { dir, p, machine: (n: string) => p.machines.find((m) => m.name === n)!, notes: p.notes.map((n) => `${n.pos.line}:${n.pos.col} ${n.service ?? ''}.${n.key}`) };
}

describe('import compose: services → machines', () => {
  it('image, command and entrypoint as word lists, keep_alive: false when the image runs its own command', async () => {
    const { machine } = await imported({
      'compose.yaml': `services:\n  web:\n    image: debian:bookworm\n    command: sh -c "echo 'hi there'"\n  db:\n    image: pg\n    entrypoint: ["docker-entrypoint.sh"]\n  cache:\n    image: redis\n`,
    });
    expect(machine('web').docker).toEqual({ image: 'debian:bookworm', command: ['sh', '-c', "echo 'hi there'"] });
    expect(machine('db').docker).toEqual({ image: 'pg', entrypoint: ['docker-entrypoint.sh'] });
    expect(machine('cache').docker).toEqual({ image: 'redis', keep_alive: false });
  });

  it('build: context relative to the profile folder, dockerfile, args (map or list), target', async () => {
    const { machine } = await imported({
      'compose.yaml': `services:\n  app:\n    build:\n      context: ./src\n      dockerfile: dev.Dockerfile\n      args: [A=1, B=two]\n      target: builder\n  b:\n    build: .\n`,
    });
    expect(machine('app').docker.build).toEqual({ context: '../../src', dockerfile: 'dev.Dockerfile', args: { A: '1', B: 'two' }, target: 'builder' });
    expect(machine('b').docker.build).toBe('../..');
  });

  it('ports: short and long syntax, protocol and address kept; a bad one is listed', async () => {
    const { machine, notes } = await imported({
      'compose.yaml': `services:\n  web:\n    image: x\n    ports:\n      - 8080:80\n      - "53:53/udp"\n      - 9000\n      - target: 443\n        published: "8443"\n        host_ip: 127.0.0.1\n      - target: 5000\n        protocol: udp\n      - "99999:80"\n`,
    });
    expect(machine('web').docker.ports).toEqual(['8080:80', '53:53/udp', '9000', '127.0.0.1:8443:443', '5000/udp']);
    expect(notes).toEqual(['13:9 web.ports']);
  });

  it('environment (map and list) over env_file; `- NAME` is taken from the environment; numbers as written', async () => {
    const { machine, notes } = await imported(
      {
        'compose.yaml': `services:\n  web:\n    image: x\n    env_file: [web.env, {path: missing.env, required: false}]\n    environment:\n      - A=from-compose\n      - FROM_SHELL\n      - NOWHERE\n  db:\n    image: x\n    environment:\n      PORT: 5432\n      RATIO: 1.10\n`,
        'web.env': 'A=from-file\nB=2\n',
      },
      { env: { FROM_SHELL: 'yes' } },
    );
    expect(machine('web').docker.env).toEqual({ A: 'from-compose', B: '2', FROM_SHELL: 'yes' });
    expect(machine('web').comments).toContain('env: includes web.env (env_file), read when imported');
    expect(machine('db').docker.env).toEqual({ PORT: '5432', RATIO: '1.10' });
    expect(notes).toEqual(['8:9 web.environment.NOWHERE']);
  });

  it('.env interpolates, the environment wins over it, and secret-looking variables are referenced, not copied', async () => {
    const { p, machine } = await imported(
      { 'compose.yaml': `services:\n  db:\n    image: "pg:\${TAG}"\n    environment:\n      POSTGRES_PASSWORD: \${DB_PASSWORD}\n      USER_NAME: \${DB_USER}\n`, '.env': 'TAG=15\nDB_PASSWORD=hunter22\nDB_USER=shop\n' },
      { env: { TAG: '16' } },
    );
    expect(machine('db').docker.image).toBe('pg:16');
    expect(p.envRefs).toEqual(['DB_PASSWORD']);
    const text = renderProfile(p, 'prodlike import compose');
    expect(text).toContain('POSTGRES_PASSWORD: ${env.DB_PASSWORD}');
    expect(text).not.toContain('hunter22');
    expect(parse(text).machines.db.docker.env.USER_NAME).toBe('shop');
  });

  it('a variable under a secret-looking key is referenced too (POSTGRES_PASSWORD: ${PW})', async () => {
    const { p } = await imported({ 'compose.yaml': `services:\n  db:\n    image: pg\n    environment:\n      - POSTGRES_PASSWORD=\${PW}\n      - PLAIN=\${PW}\n`, '.env': 'PW=changeit\n' });
    const text = renderProfile(p, 'prodlike import compose');
    expect(text).toContain('POSTGRES_PASSWORD: ${env.PW}');
    expect(text).toContain('PLAIN: changeit');
    expect(p.envRefs).toEqual(['PW']);
  });

  it('volumes: named, bind relative to the Compose file (made relative to the profile), long syntax, ro; tmpfs and odd options listed', async () => {
    const { machine, notes } = await imported({
      'compose.yaml': `services:\n  web:\n    image: x\n    volumes:\n      - data:/srv/data\n      - ./site:/srv/www:ro\n      - /abs/path:/abs\n      - /anon\n      - ./c:/c:cached\n      - type: bind\n        source: ./conf/nginx.conf\n        target: /etc/nginx/nginx.conf\n        read_only: true\n      - type: tmpfs\n        target: /tmp\nvolumes:\n  data:\n    external: true\n`,
    });
    expect(machine('web').docker.volumes).toEqual(['data:/srv/data', '../../site:/srv/www:ro', '/abs/path:/abs', '/anon', '../../c:/c', '../../conf/nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(notes).toEqual(['9:9 web.volumes', '14:9 web.volumes', '18:5 .volumes.data.external']);
  });

  it('healthcheck, depends_on with conditions, network aliases, working_dir, user, hostname', async () => {
    const { machine, notes } = await imported({
      'compose.yaml': `services:
  db:
    image: pg
    user: "999"
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 1m
      start_interval: 1s
    networks:
      default:
        aliases: [database]
  api:
    image: x
    working_dir: /app
    hostname: api-host
    depends_on:
      db: { condition: service_healthy }
      job: { condition: service_completed_successfully }
  job:
    image: x
    depends_on: [db]
`,
    });
    expect(machine('db').docker).toMatchObject({ user: '999', healthcheck: { test: ['CMD', 'pg_isready'], interval: '10s', timeout: '5s', retries: 5, start_period: '1m' }, aliases: ['database'] });
    expect(machine('api').docker).toMatchObject({ working_dir: '/app', hostname: 'api-host', depends_on: { db: { condition: 'service_healthy' }, job: { condition: 'service_started' } } });
    expect(machine('job').docker.depends_on).toEqual(['db']);
    expect(notes).toEqual(['11:7 db.healthcheck.start_interval', '21:14 api.depends_on']);
  });

  it('Compose profiles: services in an inactive profile are left out and listed; dependants do not wait for them', async () => {
    const files = { 'compose.yaml': `services:\n  web:\n    image: x\n    depends_on: [debug]\n  debug:\n    image: y\n    profiles: [tools]\n` };
    const off = await imported(files);
    expect(off.p.machines.map((m) => m.name)).toEqual(['web']);
    expect(off.notes).toEqual(['4:18 web.depends_on', '5:3 debug.profiles']);
    const on = await imported(files, { profiles: ['tools'] });
    expect(on.p.machines.map((m) => m.name)).toEqual(['web', 'debug']);
  });

  it('lists every key the profile format has no equivalent for, at its position; x- extensions are skipped', async () => {
    const { notes, p } = await imported({
      'compose.yaml': `x-common: &c\n  restart: always\nservices:\n  web:\n    <<: *c\n    image: x\n    container_name: web1\n    labels: [a=b]\n    x-mine: 1\n    deploy: { replicas: 2 }\nsecrets:\n  s: { file: s.txt }\n`,
    });
    expect(notes).toEqual(['2:3 web.restart', '7:5 web.container_name', '8:5 web.labels', '10:5 web.deploy', '11:1 .secrets']);
    expect(p.notes.find((n) => n.key === 'restart')!.message).toMatch(/does not restart/);
  });

  it('a service name that is not a machine name becomes one, and keeps its name as an alias', async () => {
    const { p } = await imported({ 'compose.yaml': `services:\n  My_App:\n    image: x\n` });
    expect(p.machines[0]).toMatchObject({ name: 'my-app', docker: { aliases: ['My_App'] } });
  });

  it('extends: the base service from another file is merged under the service (maps merge, ports add up)', async () => {
    const { machine } = await imported({
      'compose.yaml': `services:\n  web:\n    extends: { file: base.yaml, service: common }\n    ports: ["81:81"]\n    environment: { B: "2" }\n`,
      'base.yaml': `services:\n  common:\n    image: base\n    ports: ["80:80"]\n    environment: { A: "1", B: "1" }\n`,
    });
    expect(machine('web').docker).toMatchObject({ image: 'base', ports: ['80:80', '81:81'], env: { A: '1', B: '2' } });
  });
});

describe('import compose: the written profile', () => {
  it('says where each machine came from and lists what was not imported, with files relative to the profile', async () => {
    const { p, dir } = await imported({ 'compose.yaml': `services:\n  web:\n    image: x\n    restart: always\n    depends_on:\n      db: { condition: service_started, required: false }\n  db:\n    image: "a$\${b}"\n` });
    const text = renderProfile(p, 'prodlike import compose', join(dir, 'profiles', p.name));
    expect(text).toContain('#   ../../compose.yaml:4:5: services.web.restart: Prodlike does not restart containers');
    expect(text).toContain('#   ../../compose.yaml:6:41: services.web.depends_on.db.required:');
    expect(text).toMatch(/ {2}# service "web" from \.\.\/\.\.\/compose\.yaml:2\n {2}web:/);
    // A literal "\${" (from $$ in Compose) stays literal in the profile.
    expect(parse(text).machines.db.docker.image).toBe('a$${b}');
  });
});

describe('import compose: located errors', () => {
  it('an extends of a missing service names the extends', async () => {
    const dir = await folder({ 'compose.yaml': `services:\n  web:\n    extends: other\n` });
    const err = await profileError(readCompose([join(dir, 'compose.yaml')], { env: {} }));
    expect(err.message).toMatch(/compose\.yaml:3:14: services\.web\.extends: compose\.yaml has no service "other"/);
  });

  it('a file that is not a map says so in Compose\'s words', async () => {
    const dir = await folder({ 'compose.yaml': `- web\n- db\n` });
    const err = await profileError(readCompose([join(dir, 'compose.yaml')], { env: {} }));
    expect(err.message).toMatch(/compose\.yaml:1:1: expected a map of Compose keys \(services, volumes, \.\.\.\), found a list/);
  });

  it('all problems of a file at once, in file order', async () => {
    const dir = await folder({ 'compose.yaml': `servics: {}\nservices:\n  a:\n    image: \${X}\n  b:\n    image: \${Y}\n` });
    const err = await profileError(readCompose([join(dir, 'compose.yaml')], { env: {} }));
    expect(err.message.split('\n').map((l) => l.replace(/^.*compose\.yaml:/, ''))).toEqual([
      '1:1: servics: unknown top-level key "servics" (did you mean "services"?)',
      '4:12: variable X is not set',
      '6:12: variable Y is not set',
    ]);
  });
});

describe('splitWords', () => {
  it('splits as a shell would, without running one', () => {
    expect(splitWords(`python app.py --name "a b" 'c d' e\\ f ""`)).toEqual(['python', 'app.py', '--name', 'a b', 'c d', 'e f', '']);
  });
});
