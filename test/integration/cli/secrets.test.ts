// Secrets referenced from the environment never reach the output, events or the data folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-secret');
const SECRET = 'S3cr3t-hunter2-' + Math.random().toString(36).slice(2, 8);

let ws: Workspace;
let file: string;
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
});
afterAll(() => purge(NAME));

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
});
