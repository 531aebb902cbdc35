// Secrets referenced from the environment never reach the output, events or the data folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../../shared/api.js';
import { Engine } from '../../../electron/engine/engine.js';
import { createApi } from '../../../electron/api/handlers.js';
import { PushHub } from '../../../electron/api/push-hub.js';
import { startWebServer } from '../../../electron/web/web-server.js';
import { ROOT, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-secret');
const NAME2 = unique('pl-it-secret-url');
// Nothing in the variable's name says "secret": the value does (a URL with a password).
const DB_URL = 'postgres://shop:S3cr3t' + Math.random().toString(36).slice(2, 8) + '@db/shop';
const PASSWORD = /S3cr3t[a-z0-9]*/.exec(DB_URL)![0];
const SECRET = 'S3cr3t-hunter2-' + Math.random().toString(36).slice(2, 8);

let ws: Workspace;
let file: string;
let urlFile: string;
beforeAll(async () => {
  ws = await workspace();
  file = await ws.write(
    'profiles/s.yaml',
    `name: ${NAME}
machines:
  app:
    docker: { image: debian:bookworm }
    resources:
      - env: DB_PASSWORD
        value: \${env.DB_PASSWORD}
      - file: /etc/app/db.conf
        content: |
          user=app
          password=\${env.DB_PASSWORD}
        mode: "0600"
`,
  );
  urlFile = await ws.write(
    'profiles/url.yaml',
    `name: ${NAME2}
vars:
  db: \${env.DB_URL}
machines:
  app:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/app/db.conf
        content: |
          url=\${vars.db}
        mode: "0600"
`,
  );
});
afterAll(() => {
  purge(NAME);
  purge(NAME2);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('secrets', () => {
  it('are applied to the machine but never printed, streamed or stored', async () => {
    const env = { DB_PASSWORD: SECRET };
    const up = await ws.run(['up', file, '--verbose'], { env });
    expect(up.code).toBe(0);
    expect(exec(`${NAME}-app`, 'cat /etc/app/db.conf')).toContain(`password=${SECRET}`);
    expect(up.stdout + up.stderr).not.toContain(SECRET);
    exec(`${NAME}-app`, `sed -i 's/password=.*/password=changed/' /etc/app/db.conf`);
    const json = await ws.run(['plan', file, '--json'], { env });
    expect(json.code).toBe(2);
    expect(json.stdout).toContain('********');
    expect(json.stdout).not.toContain(SECRET);
    const drift = await ws.run(['drift', file, '--json'], { env });
    expect(drift.stdout).not.toContain(SECRET);
    for (const f of filesUnder(ws.dataDir)) expect(readFileSync(f, 'utf8')).not.toContain(SECRET);
  });

  it('are masked by value: a database URL with a password, from a variable with an ordinary name', async () => {
    const env = { DB_URL };
    const up = await ws.run(['up', urlFile, '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(exec(`${NAME2}-app`, 'cat /etc/app/db.conf')).toContain(`url=${DB_URL}`);
    expect(up.stdout + up.stderr).not.toContain(PASSWORD);
    exec(`${NAME2}-app`, `sed -i 's|url=.*|url=postgres://other|' /etc/app/db.conf`);

    const json = await ws.run(['plan', urlFile, '--json'], { env });
    expect(json.code).toBe(2);
    expect(json.stdout).toContain('********');
    expect(json.stdout + json.stderr).not.toContain(PASSWORD);

    const human = await ws.run(['plan', urlFile], { env });
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/db\.conf/);
    expect(human.stdout + human.stderr).not.toContain(PASSWORD);

    const drift = await ws.run(['drift', urlFile, '--json'], { env });
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain('********');
    expect(drift.stdout + drift.stderr).not.toContain(PASSWORD);

    // The stored drift report and the run history are in the data folder.
    const stored = filesUnder(ws.dataDir).map((f) => readFileSync(f, 'utf8'));
    expect(stored.join('\n')).toContain(NAME2);
    for (const text of stored) expect(text).not.toContain(PASSWORD);

    // The web API (browser mode) over the same data folder, with DB_URL in the engine's environment.
    const engine = new Engine({ dataDir: ws.dataDir, profileFolders: [path.join(ws.dir, 'profiles')], env: { ...process.env, ...env } });
    const hub = new PushHub();
    const host = createApi({ engine, hub, mode: 'web', version: 'test', dataDir: ws.dataDir });
    const web = await startWebServer({ handlers: host.handlers, hub, rendererDir: path.join(ROOT, 'dist/renderer') });
    try {
      const api = async (channel: string, body: unknown) => {
        const res = await fetch(`http://127.0.0.1:${new URL(web.url).port}/api/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: web.token },
          body: JSON.stringify(body),
        });
        return res.text();
      };
      const shown = await api('profiles:get', { file: urlFile });
      expect(shown).toContain('"db":"********"');
      const answers = [shown, await api('profiles:list', {}), await api('runs:history', { file: urlFile }), await api('drift:last', { file: urlFile })];
      expect(answers[3]).toContain('********');
      for (const a of answers) expect(a).not.toContain(PASSWORD);
    } finally {
      await web.close();
      await host.close();
      await engine.close();
    }
  });

  it('a value passed through vars: stays hidden in a load error', async () => {
    const bad = await ws.write('profiles/bad-url.yaml', `name: ${NAME2}-bad\nvars:\n  db: \${env.DB_URL}\nmachines:\n  app:\n    docker: { image: "\${vars.db}", ports: ["\${vars.db}"] }\n`);
    const r = await ws.run(['validate', bad], { env: { DB_URL } });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/bad-url\.yaml:6:\d+: .*ports.*the value of \$\{vars\.db\} \(not shown\)/);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });
});
