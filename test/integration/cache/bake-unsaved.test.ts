// `bake` of machines of which no state can be saved says why, machine by machine, and that nothing of it
// is pushed: before, it said "its first resource may not be (…), or nothing of the machine may (said
// above)" whatever the reason, with nothing said above in the run's output, and nothing at all for a
// machine with an anonymous volume. Against the real engine and a registry on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purge, removeCacheImages, unique, workspace, type Workspace } from '../../support/cli.js';
import { registryTags, startRegistry, type Registry } from '../../support/registry.js';

const NAME = unique('pl-it-bakeunsaved');
let ws: Workspace;
let registry: Registry;

beforeAll(async () => {
  ws = await workspace();
  registry = await startRegistry();
}, 60_000);

afterAll(async () => {
  purge(NAME);
  removeCacheImages(NAME);
  await registry?.stop();
});

describe('bake, where nothing can be saved', () => {
  it('says why for each machine, and that nothing of it is pushed', async () => {
    const file = await ws.write(
      'profiles/unsaved.yaml',
      `name: ${NAME}
machines:
  settings:
    docker: { image: debian:bookworm, env: { API_TOKEN: "\${env.API_TOKEN}" } }
    resources:
      - file: /opt/a
        content: "a\\n"
  later:
    docker: { image: debian:bookworm }
    resources:
      - file: /opt/b
        content: "b\\n"
      - file: /opt/pw
        content: "pw=\${env.DB_PASSWORD}\\n"
  first:
    docker: { image: debian:bookworm }
    resources:
      - command: date > /opt/when
  anon:
    docker: { image: debian:bookworm, volumes: ["/scratch"] }
    resources:
      - file: /opt/c
        content: "c\\n"
`,
    );
    const repo = `${registry.address}/${NAME}`;
    const run = await ws.run(['bake', file, '--push', repo], { env: { PRODLIKE_NO_CACHE: '', API_TOKEN: 'tok-bake-unsaved', DB_PASSWORD: 'pw-bake-unsaved' } });
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout + run.stderr;
    expect(out).toContain('settings: no state could be saved: its docker settings hold a secret, and an image keeps the settings of the container it was saved from: nothing of this machine is saved, so nothing of it is pushed');
    expect(out).toContain('later: no state could be saved: resource 2 (file /opt/pw) holds a secret, and a state is saved only after a package or a command, or after the last resource: none comes before it, so nothing of it is pushed');
    expect(out).toContain('first: no state could be saved: its first resource (command date > /opt/when) is a command without a guard (creates:, unless: or onlyif:), which runs on every up: there is nothing before it to save, so nothing of it is pushed');
    expect(out).toContain('anon: no state could be saved: it has an anonymous volume, empty in each new container and never in a saved state, so nothing of it is pushed');
    expect(out).not.toContain('said above');
    expect(await registryTags(registry.address, NAME)).toEqual([]);
  }, 180_000);
});
