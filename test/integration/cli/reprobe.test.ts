// A package or command can create what later resources manage: those are judged on the machine as it is
// after that step, not on the probe taken before the run started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerTry, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-order');
let ws: Workspace;
let file: string;

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write(
    'profiles/order.yaml',
    `name: ${NAME}
machines:
  box:
    docker: { image: debian:bookworm }
    resources:
      - command: mkdir -p /etc/vendor && echo default > /etc/vendor/site.conf && echo junk > /etc/vendor/junk.conf
        creates: /etc/vendor
      - file: /etc/vendor/site.conf
        content: "ours\\n"
      - file: /etc/vendor/junk.conf
        state: absent
`,
  );
});
afterAll(() => purge(NAME));

describe('resources after a command', () => {
  it('are probed again: a file the command created is removed, and the diff shown is against its real content', async () => {
    const r = await ws.run(['up', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const last = (name: string) => events.filter((e) => e.type === 'resource' && e.resource.name === name).pop();
    expect(last('/etc/vendor/junk.conf').status).toBe('changed');
    const site = last('/etc/vendor/site.conf');
    expect(site.status).toBe('changed');
    expect(site.changes.find((c: { field: string }) => c.field === 'content').diff).toContain('-default');
    expect(dockerTry('exec', `${NAME}-box`, 'test', '-e', '/etc/vendor/junk.conf').code).not.toBe(0);
    expect(exec(`${NAME}-box`, 'cat /etc/vendor/site.conf')).toBe('ours');
    const again = await ws.run(['up', file]);
    expect(again.stdout).toMatch(/nothing to change/);
  });
});
