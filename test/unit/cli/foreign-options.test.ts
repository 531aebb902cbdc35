// Options a command does not read are a usage error, not dropped: `up shop --push <repo>` ran up and
// pushed nothing, `down shop --no-cache` stopped shop, `validate shop --volumes` validated it. The table
// below is the specification, written out apart from options.ts, so that one entry wrong there (an option
// added to a command that does not read it, or taken from one that does) fails here.
import { describe, expect, it } from 'vitest';
import { CLI_OPTIONS, COMMAND_OPTIONS, GLOBAL_OPTIONS, commandForm, foreignOptions } from '../../../electron/cli/options.js';
import { servedRun } from '../../../electron/cli/served-cli.js';

type Option = keyof typeof CLI_OPTIONS;

const GLOBALS: Option[] = ['json', 'verbose', 'debug', 'help', 'version', 'no-agent'];

// Each form, how a command line reaches it, and the options it reads besides the global ones.
const SPEC: Record<string, { command: string; args: string[]; form?: Partial<Record<Option, unknown>>; takes: Option[] }> = {
  list: { command: 'list', args: [], takes: [] },
  validate: { command: 'validate', args: ['shop'], takes: [] },
  status: { command: 'status', args: [], takes: [] },
  trust: { command: 'trust', args: ['127.0.0.1:2222'], takes: [] },
  allow: { command: 'allow', args: ['shop'], takes: [] },
  ssh: { command: 'ssh', args: ['shop', 'web'], takes: [] },
  history: { command: 'history', args: [], takes: [] },
  logs: { command: 'logs', args: ['r-1'], takes: [] },
  doctor: { command: 'doctor', args: [], takes: ['fix'] },
  'doctor --fix': { command: 'doctor', args: [], form: { fix: true }, takes: ['fix', 'yes'] },
  plan: { command: 'plan', args: ['shop'], takes: [] },
  up: { command: 'up', args: ['shop'], takes: ['from-plan', 'no-cache', 'wait', 'i-know-this-is-production'] },
  use: { command: 'use', args: ['shop'], takes: ['plan', 'no-rollback', 'no-cache', 'wait', 'i-know-this-is-production'] },
  'use --plan': { command: 'use', args: ['shop'], form: { plan: true }, takes: ['plan', 'i-know-this-is-production'] },
  down: { command: 'down', args: ['shop'], takes: ['wait'] },
  destroy: { command: 'destroy', args: ['shop'], takes: ['volumes', 'wait'] },
  drift: { command: 'drift', args: ['shop'], takes: ['against', 'junit', 'forks', 'every'] },
  'drift --every': { command: 'drift', args: ['shop'], form: { every: '15m' }, takes: ['every', 'against'] },
  capture: { command: 'capture', args: ['shop'], takes: ['out', 'forks', 'allow-unreachable'] },
  reconcile: { command: 'reconcile', args: ['shop'], takes: ['against', 'wait', 'i-know-this-is-production'] },
  bake: { command: 'bake', args: ['shop'], takes: ['push', 'wait', 'i-know-this-is-production'] },
  'cache ls': { command: 'cache', args: ['ls'], takes: [] },
  'cache prune': { command: 'cache', args: ['prune'], takes: ['all', 'older-than', 'yes'] },
  'cache rm': { command: 'cache', args: ['rm', 'abc'], takes: [] },
  'snapshot save': { command: 'snapshot', args: ['save', 'shop'], takes: ['wait'] },
  'snapshot restore': { command: 'snapshot', args: ['restore', 'shop', 'before'], takes: ['wait'] },
  'snapshot ls': { command: 'snapshot', args: ['ls', 'shop'], takes: [] },
  'snapshot rm': { command: 'snapshot', args: ['rm', 'shop'], takes: ['wait'] },
  'import compose': { command: 'import', args: ['compose'], takes: ['out', 'profile', 'force'] },
  'import devcontainer': { command: 'import', args: ['devcontainer'], takes: ['out', 'profile', 'force'] },
  'agent status': { command: 'agent', args: ['status'], takes: [] },
  'agent start': { command: 'agent', args: ['start'], takes: [] },
  'agent stop': { command: 'agent', args: ['stop'], takes: [] },
  'agent serve': { command: 'agent', args: ['serve'], takes: [] },
};

/** A value parseArgs would give the option. */
function given(o: Option): unknown {
  const spec = CLI_OPTIONS[o] as { type: string; multiple?: boolean };
  if (spec.type === 'boolean') return true;
  return spec.multiple ? ['x'] : '1';
}

const ALL = Object.keys(CLI_OPTIONS) as Option[];

describe('foreignOptions', () => {
  it('knows every form of every command, and no other', () => {
    expect(Object.keys(COMMAND_OPTIONS).sort()).toEqual(Object.keys(SPEC).sort());
    expect([...GLOBAL_OPTIONS].sort()).toEqual([...GLOBALS].sort());
  });

  it('every option is global or some command’s', () => {
    for (const o of ALL) expect(GLOBALS.includes(o) || Object.values(SPEC).some((s) => s.takes.includes(o)), o).toBe(true);
  });

  describe.each(Object.entries(SPEC))('%s', (form, { command, args, form: formValues = {}, takes }) => {
    it('is the form of its command line', () => {
      expect(commandForm(command, args, formValues)).toBe(form);
    });

    it.each(takes)('takes --%s', (o) => {
      expect(foreignOptions(command, args, { ...formValues, [o]: given(o) })).toBeUndefined();
    });

    it('takes all of its options and the global ones together', () => {
      // --plan and --every make use and drift other forms (`use --plan`, `drift --every`): each alone above.
      const together = takes.filter((o) => commandForm(command, args, { ...formValues, [o]: given(o) }) === form);
      const values = Object.fromEntries([...together, ...GLOBALS].map((o) => [o, given(o)]));
      expect(foreignOptions(command, args, { ...values, ...formValues })).toBeUndefined();
    });

    it('refuses every other option, naming it, with its usage line', () => {
      for (const o of ALL.filter((x) => !takes.includes(x) && !GLOBALS.includes(x))) {
        const err = foreignOptions(command, args, { ...formValues, [o]: given(o) });
        expect(err?.name, `${form} --${o}`).toBe('UsageError');
        expect(err?.message).toMatch(new RegExp(`^${form} does not take --${o} \\(it is `));
        expect(err?.hint).toMatch(new RegExp(`^prodlike ${form.split(' --')[0]} `.replace(/ $/, '')));
        for (const own of takes) expect(err?.hint, `${form}'s usage names --${own}`).toContain(`--${own}`);
      }
    });
  });

  it.each([
    ['up', ['shop/dev'], { push: '127.0.0.1:5000/x' }, "up does not take --push (it is bake's: prodlike bake <profile> --push <registry>/<repo>)", 'prodlike up <profile> [--from-plan <run>] [--no-cache] [--wait] [--i-know-this-is-production]'],
    ['down', ['shop/dev'], { 'no-cache': true }, 'down does not take --no-cache (it is for up and use: prodlike up <profile> --no-cache)', 'prodlike down <profile> [--wait]'],
    ['validate', ['x'], { volumes: true }, "validate does not take --volumes (it is destroy's: prodlike destroy <profile> --volumes)", 'prodlike validate <profile>'],
    ['use', ['shop'], { plan: true, 'no-rollback': true }, "use --plan does not take --no-rollback (it is use's: prodlike use <profile> --no-rollback)", 'prodlike use <profile> --plan [--i-know-this-is-production]'],
    ['drift', ['shop'], { every: '15m', junit: 'd.xml' }, "drift --every does not take --junit (it is drift's: prodlike drift <profile> --junit <file>)", 'prodlike drift --every <interval> <profile> [--against <baseline>]'],
    ['cache', ['ls'], { all: true }, "cache ls does not take --all (it is cache prune's: prodlike cache prune [--all [--yes] | --older-than <age>])", 'prodlike cache ls'],
    [
      'plan',
      ['shop'],
      { wait: true },
      'plan does not take --wait (it is for up, use, down, destroy, reconcile, bake and snapshot save|restore|rm: prodlike up <profile> --wait)',
      'prodlike plan <profile>',
    ],
    ['reconcile', ['shop'], { forks: '5' }, 'reconcile does not take --forks (it is for drift and capture: prodlike drift <profile> --forks <n>)', 'prodlike reconcile <profile> --against <baseline> [--wait] [--i-know-this-is-production]'],
    [
      'list',
      [],
      { out: 'x.yaml', json: true, profile: ['tools'] },
      "list does not take --out (it is for capture and import: prodlike capture <profile> --out <file>) or --profile (it is import's: prodlike import compose [file] --profile <name>)",
      'prodlike list',
    ],
  ])('%s %j %j: "%s"', (command, args, values, message, hint) => {
    const err = foreignOptions(command, args, values);
    expect(err?.name).toBe('UsageError');
    expect(err?.message).toBe(message);
    expect(err?.hint).toBe(hint);
  });

  it('leaves an unknown subcommand to its command, which says what it takes', () => {
    expect(commandForm('cache', [], {})).toBeUndefined();
    expect(commandForm('snapshot', ['keep', 'shop'], {})).toBeUndefined();
    expect(foreignOptions('cache', ['clean'], { all: true })).toBeUndefined();
    expect(foreignOptions('import', ['kompose'], { volumes: true })).toBeUndefined();
  });

  it('`agent` alone is `agent status`', () => {
    expect(commandForm('agent', [], {})).toBe('agent status');
    expect(foreignOptions('agent', [], { wait: true })?.message).toMatch(/^agent status does not take --wait/);
  });

  it('an option set to false (CliFlags from code) is not given', () => {
    expect(foreignOptions('down', ['shop'], { volumes: false, 'no-cache': undefined })).toBeUndefined();
  });

  it('the agent leaves such a command to the Node CLI, which says why', () => {
    expect(servedRun({ argv: ['up', 'shop', '--push', '127.0.0.1:5000/x'], env: {} })).toEqual({ why: 'options the command does not take (the Node CLI says why)' });
    expect(servedRun({ argv: ['use', 'shop', '--no-rollback', '--json'], env: {} })).toMatchObject({ kind: 'use', file: 'shop', flags: { 'no-rollback': true, json: true } });
  });
});
