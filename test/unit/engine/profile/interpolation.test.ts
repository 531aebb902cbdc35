// ${vars.x} and ${env.X}: resolved after extends (the child's vars win); a missing one is an error at
// the string that used it, never an empty string.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { folder, profileError } from './fixture.js';

const profile = (vars: string, value: string) => `name: x
vars: ${vars}
machines:
  web:
    docker:
      image: debian:bookworm
      env: { V: "${value}" }
`;

async function load(text: string, env: Record<string, string | undefined> = {}, files: Record<string, string> = {}) {
  const dir = await folder({ ...files, 'p.yaml': text });
  return loadProfile(join(dir, 'p.yaml'), { env });
}

describe('interpolation', () => {
  it('replaces ${vars.x} and ${env.X} in string values', async () => {
    const p = await load(profile('{ region: eu }', '${vars.region}-${env.STAGE}'), { STAGE: 'blue' });
    expect(p.machines[0]!.docker!.env.V).toBe('eu-blue');
  });

  it('uses the child\'s value of a variable in the parent\'s strings', async () => {
    const p = await load(`name: x\nextends: ./base.yaml\nvars: { region: us }\n`, {}, { 'base.yaml': `abstract: true\n${profile('{ region: eu }', '${vars.region}').split('\n').slice(1).join('\n')}` });
    expect(p.machines[0]!.docker!.env.V).toBe('us');
  });

  it('lets a variable use other variables and the environment', async () => {
    const p = await load(profile('{ a: "${vars.b}/${env.HOME_DIR}", b: "x" }', '${vars.a}'), { HOME_DIR: '/home/me' });
    expect(p.vars).toEqual({ a: 'x//home/me', b: 'x' });
    expect(p.machines[0]!.docker!.env.V).toBe('x//home/me');
  });

  it('keeps numbers in vars as written', async () => {
    const p = await load(profile('{ version: 1.10 }', '${vars.version}'));
    expect(p.vars.version).toBe('1.10');
  });

  it('writes $${ for a literal ${', async () => {
    const p = await load(profile('{}', 'cost: $${price}'));
    expect(p.machines[0]!.docker!.env.V).toBe('cost: ${price}');
  });

  it('a missing variable is an error at the line and column of the string, with a suggestion', async () => {
    const err = await profileError(load(profile('{ region: eu }', '${vars.regoin}')));
    expect(err.message).toMatch(/p\.yaml:7:17: machines\.web\.docker\.env\.V: \$\{vars\.regoin\} is not defined \(did you mean \$\{vars\.region\}\?\)/);
  });

  it('a missing environment variable is an error, not an empty string', async () => {
    const err = await profileError(load(profile('{}', '${env.NOPE}')));
    expect(err.message).toMatch(/p\.yaml:7:17: machines\.web\.docker\.env\.V: \$\{env\.NOPE\} is not set in the environment/);
    expect(err.hint).toMatch(/set NOPE/);
  });

  it('an empty environment variable counts as set', async () => {
    const p = await load(profile('{}', '[${env.EMPTY}]'), { EMPTY: '' });
    expect(p.machines[0]!.docker!.env.V).toBe('[]');
  });

  it('an unknown kind of reference is an error that says what is allowed', async () => {
    const err = await profileError(load(profile('{}', '${var.x}')));
    expect(err.message).toMatch(/expected \$\{vars\.NAME\} or \$\{env\.NAME\}, found "\$\{var\.x\}"/);
    expect(err.hint).toMatch(/did you mean \$\{vars\.x\}\?/);
  });

  it('variables that refer to each other in a cycle are an error', async () => {
    const err = await profileError(load(profile('{ a: "${vars.b}", b: "${vars.a}" }', 'x')));
    expect(err.message).toMatch(/cycle: a → b → a/);
  });

  it('never shows the value of an environment variable in an error', async () => {
    const err = await profileError(load(profile('{}', '${env.SECRET}').replace('env: { V: ', 'privileged: ').replace('" }', '"'), { SECRET: 's3cret' }));
    expect(err.message).toMatch(/privileged: expected true or false, found the value of \$\{env\.SECRET\} \(not shown\)/);
    expect(err.message).not.toContain('s3cret');
  });
});
