// The command line's options, shared by the CLI (main.ts) and the agent serving a native client's
// command (served-cli.ts), so that both read one command line the same way. Light: main.ts loads it.

export const CLI_OPTIONS = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  wait: { type: 'boolean' },
  volumes: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  all: { type: 'boolean' },
  'older-than': { type: 'string' },
  push: { type: 'string' },
  against: { type: 'string' },
  out: { type: 'string' },
  junit: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  fix: { type: 'boolean' },
  'i-know-this-is-production': { type: 'boolean' },
  plan: { type: 'boolean' },
  'no-rollback': { type: 'boolean' },
  profile: { type: 'string', multiple: true },
  force: { type: 'boolean' },
  'no-agent': { type: 'boolean' },
  every: { type: 'string' },
  'from-plan': { type: 'string' },
  forks: { type: 'string' },
  'allow-unreachable': { type: 'boolean' },
} as const;

// The commands that are runs, and so may go to the agent (`use --plan` is not one).
export const RUN_COMMANDS = new Set(['plan', 'up', 'down', 'destroy', 'drift', 'capture', 'reconcile', 'bake', 'use']);

type OptionName = keyof typeof CLI_OPTIONS;
/** The options parseArgs found (main.ts's values, CliFlags). */
type OptionValues = { readonly [K in OptionName]?: unknown };

/** The options every command takes: how it prints (--json, --verbose, --debug), help, and where a run goes. */
export const GLOBAL_OPTIONS: ReadonlySet<string> = new Set<OptionName>(['json', 'verbose', 'debug', 'help', 'version', 'no-agent']);

/**
 * What each command reads of the command line besides the global options, by form: a command, one of
 * its subcommands (`cache prune`), or a form that reads other options than the command alone
 * (`use --plan` switches nothing, `drift --every` schedules in the agent). Each option here was followed
 * to where it is read (run-kind.ts, engine.ts, drift-run.ts, agent-cli.ts, ...): a command that does not
 * read it would drop it without a word, as `up --push` and `down --no-cache` did. `--wait` is read
 * where the profile's lock is taken, `--i-know-this-is-production` where a run may write to a host.
 * `usage` is the form's words; the options it does not name follow it in the usage line a refusal shows.
 * `words`: how many words the form takes after the command's name (its subcommand's included), where a
 * word more would be dropped and change what it does: `up shop web` brought up every machine of shop,
 * not web alone, and `cache prune shop --all` removed every profile's cached states, not shop's; `why`
 * says so in the refusal.
 */
const EVERY_MACHINE = 'a run works on every machine of the profile';
const EVERY_PROFILE = "the cache is every profile's: ls lists and prune removes the states of all of them";

export const COMMAND_OPTIONS: Readonly<Record<string, { usage: string; options: readonly OptionName[]; words?: number; why?: string }>> = {
  list: { usage: 'prodlike list', options: [] },
  validate: { usage: 'prodlike validate <profile>', options: [] },
  status: { usage: 'prodlike status [profile]', options: [] },
  trust: { usage: 'prodlike trust <host[:port]>', options: [] },
  allow: { usage: 'prodlike allow <profile>', options: [] },
  ssh: { usage: 'prodlike ssh <profile> <machine>', options: [] },
  history: { usage: 'prodlike history [profile]', options: [] },
  logs: { usage: 'prodlike logs <run>', options: [] },
  doctor: { usage: 'prodlike doctor [--fix [--yes]]', options: ['fix'] },
  // --yes answers --fix's questions; doctor alone asks none (and fixes nothing).
  'doctor --fix': { usage: 'prodlike doctor --fix [--yes]', options: ['fix', 'yes'] },
  plan: { usage: 'prodlike plan <profile>', options: [], words: 1, why: EVERY_MACHINE },
  up: { usage: 'prodlike up <profile>', options: ['from-plan', 'no-cache', 'wait', 'i-know-this-is-production'], words: 1, why: EVERY_MACHINE },
  use: { usage: 'prodlike use <profile>', options: ['plan', 'no-rollback', 'no-cache', 'wait', 'i-know-this-is-production'], words: 1 },
  'use --plan': { usage: 'prodlike use <profile> --plan', options: ['plan', 'i-know-this-is-production'], words: 1 },
  down: { usage: 'prodlike down <profile>', options: ['wait'], words: 1, why: EVERY_MACHINE },
  destroy: { usage: 'prodlike destroy <profile>', options: ['volumes', 'wait'], words: 1, why: EVERY_MACHINE },
  drift: { usage: 'prodlike drift <profile>', options: ['against', 'junit', 'forks', 'every'] },
  'drift --every': { usage: 'prodlike drift --every <interval> <profile>', options: ['every', 'against'] },
  capture: { usage: 'prodlike capture <profile> --out <file>', options: ['out', 'forks', 'allow-unreachable'] },
  reconcile: { usage: 'prodlike reconcile <profile> --against <baseline>', options: ['against', 'wait', 'i-know-this-is-production'] },
  bake: { usage: 'prodlike bake <profile>', options: ['push', 'wait', 'i-know-this-is-production'], words: 1, why: 'bake builds every Docker machine of one profile' },
  'cache ls': { usage: 'prodlike cache ls', options: [], words: 1, why: EVERY_PROFILE },
  // At a terminal --all asks first, as `docker image prune -a` does; --yes answers for it (as -f does there).
  'cache prune': { usage: 'prodlike cache prune [--all [--yes] | --older-than <age>]', options: ['all', 'older-than', 'yes'], words: 1, why: EVERY_PROFILE },
  'cache rm': { usage: 'prodlike cache rm <key>...', options: [] },
  'snapshot save': { usage: 'prodlike snapshot save <profile> [name]', options: ['wait'], words: 3 },
  'snapshot restore': { usage: 'prodlike snapshot restore <profile> [name]', options: ['wait'], words: 3 },
  'snapshot ls': { usage: 'prodlike snapshot ls <profile>', options: [], words: 2 },
  'snapshot rm': { usage: 'prodlike snapshot rm <profile> [name]', options: ['wait'], words: 3 },
  'import compose': { usage: 'prodlike import compose [file]', options: ['out', 'profile', 'force'] },
  'import devcontainer': { usage: 'prodlike import devcontainer [file]', options: ['out', 'profile', 'force'] },
  'agent status': { usage: 'prodlike agent status', options: [] },
  'agent start': { usage: 'prodlike agent start', options: [] },
  'agent stop': { usage: 'prodlike agent stop', options: [] },
  'agent serve': { usage: 'prodlike agent serve', options: [] },
};

const OPTION_ARGS: Partial<Record<OptionName, string>> = {
  'older-than': '<age>',
  push: '<registry>/<repo>',
  against: '<baseline>',
  out: '<file>',
  junit: '<file>',
  profile: '<name>',
  every: '<interval>',
  'from-plan': '<run>',
  forks: '<n>',
};

const SUBCOMMANDS = new Set(['cache', 'snapshot', 'import', 'agent']);

/** The form of COMMAND_OPTIONS a command line is (undefined: an unknown subcommand, which its command refuses itself). */
export function commandForm(command: string, args: readonly string[], values: OptionValues): string | undefined {
  let form = command;
  if (command === 'use' && values.plan) form = 'use --plan';
  else if (command === 'doctor' && values.fix) form = 'doctor --fix';
  else if (command === 'drift' && values.every !== undefined) form = 'drift --every';
  else if (SUBCOMMANDS.has(command)) form = `${command} ${args[0] ?? (command === 'agent' ? 'status' : '')}`;
  return Object.hasOwn(COMMAND_OPTIONS, form) ? form : undefined;
}

const mentions = (usage: string, option: string) => new RegExp(`--${option}(?![\\w-])`).test(usage);
const withArg = (option: OptionName) => `--${option}${OPTION_ARGS[option] ? ` ${OPTION_ARGS[option]}` : ''}`;

/** A form's usage line: its words, then the options they do not name. */
export function usageLine(form: string): string {
  const { usage, options } = COMMAND_OPTIONS[form]!;
  return [usage, ...options.filter((o) => !mentions(usage, o)).map((o) => `[${withArg(o)}]`)].join(' ');
}

/** Whose an option is: "bake's: prodlike bake <profile> --push <registry>/<repo>", or "for a, b and c: …". */
function owners(option: OptionName): string {
  const forms = Object.keys(COMMAND_OPTIONS).filter((f) => COMMAND_OPTIONS[f]!.options.includes(option));
  // `use --plan` and `drift --every` are use and drift; the subcommands of one command are named together
  // ("snapshot save|restore|rm"), or by the command alone when every one of them takes it.
  const names: string[] = [];
  for (const f of forms) {
    // A form's option that its command alone does not take is the form's: "doctor --fix's".
    const base = f.split(' --')[0]!;
    const name = forms.includes(base) || !Object.hasOwn(COMMAND_OPTIONS, base) ? base : f;
    const [command, sub] = name.split(' ');
    if (!sub || name !== base) {
      if (!names.includes(name)) names.push(name);
      continue;
    }
    const all = Object.keys(COMMAND_OPTIONS).filter((k) => k.startsWith(`${command} `)).map((k) => k.split(' ')[1]!);
    const taking = all.filter((s) => forms.includes(`${command} ${s}`));
    const named = taking.length === all.length ? command! : `${command} ${taking.join('|')}`;
    if (!names.includes(named)) names.push(named);
  }
  const first = forms[0]!;
  const usage = COMMAND_OPTIONS[first]!.usage;
  const example = mentions(usage, option) ? usage : `${usage} ${withArg(option)}`;
  const whose = names.length === 1 ? `${names[0]}'s` : `for ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `it is ${whose}: ${example}`;
}

/**
 * A usage error for the options a command does not read (undefined: it reads them all), as extraArguments
 * is for words: `up shop --push <repo>` ran up and pushed nothing, `down shop --no-cache` stopped shop.
 */
export function foreignOptions(command: string, args: readonly string[], values: OptionValues): (Error & { hint: string }) | undefined {
  const form = commandForm(command, args, values);
  if (!form) return undefined;
  const takes = new Set<string>(COMMAND_OPTIONS[form]!.options);
  const given = (Object.keys(values) as OptionName[]).filter((o) => Object.hasOwn(CLI_OPTIONS, o) && values[o] !== undefined && values[o] !== false);
  const foreign = given.filter((o) => !GLOBAL_OPTIONS.has(o) && !takes.has(o));
  if (foreign.length === 0) return undefined;
  const what = foreign.map((o) => `--${o} (${owners(o)})`).join(' or ');
  return Object.assign(new Error(`${form} does not take ${what}`), { name: 'UsageError', hint: usageLine(form) });
}

/**
 * A usage error for the words a form does not take (undefined: it takes them all, or it has no count:
 * an unknown subcommand, which its command refuses itself), with the form's usage line, as
 * foreignOptions does for options.
 */
export function extraArguments(command: string, args: readonly string[], values: OptionValues = {}): (Error & { hint: string }) | undefined {
  const form = commandForm(command, args, values);
  const { words, why } = (form && COMMAND_OPTIONS[form]) || {};
  if (words === undefined || args.length <= words) return undefined;
  const what = form!.split(' --')[0];
  const extra = args.slice(words).map((a) => `"${a}"`).join(' ');
  return Object.assign(new Error(`${what} does not take ${extra}${why ? ` (${why})` : ''}`), { name: 'UsageError', hint: usageLine(form!) });
}
