// The YAML schema of profile format version 1 (docs/profiles.md is its user-facing reference).
// Every check carries the words a user sees after "expected": `want('a string like "0644"')`.
// Shapes only: rules that span keys (docker xor ssh, src inside the folder, ...) live in convert.ts.

import * as z from 'zod/mini';
import { parsePort, parseVolume } from './docker-values.js';
import { envValueProblem, SAFE_NAME } from '../sh-command.js';

/** Marks messages written here, as opposed to zod's defaults; a hint follows a newline. */
export const MARK = '\u0001';

function want(expected: string, hint?: string): { error: () => string } {
  const message = `${MARK}${expected}${hint ? `\n${hint}` : ''}`;
  return { error: () => message };
}

export const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
const NAME_WORDS = 'a name of lowercase letters, digits and dashes (such as "shop-dev")';

const str = (expected = 'a string') => z.string(want(expected));
const bool = () => z.boolean(want('true or false', 'YAML booleans are true and false (yes/no are strings)'));
const seconds = () => z.number(want('a number of seconds')).check(z.positive(want('a number of seconds greater than 0')));
const portNumber = () =>
  z.number(want('a port number (1-65535)')).check(z.int(want('a port number (1-65535)')), z.minimum(1, want('a port number (1-65535)')), z.maximum(65535, want('a port number (1-65535)')));
const stringMap = (expected: string) => z.record(z.string(), str(expected), want(`a map of names to ${expected}s`));
const state = () => z.enum(['present', 'absent'], want('present or absent'));
const absPath = (what: string) => str(`an absolute ${what} path`).check(z.startsWith('/', want(`an absolute ${what} path (starting with /)`)));
const mode = () =>
  str('a string like "0644"').check(
    z.regex(/^[0-7]{3,4}$/, want('a string like "0644" (3 or 4 octal digits)', 'modes are octal digits in quotes, such as "0644" or "0755"')),
  );
const id = (what: string) =>
  z.number(want(`a numeric ${what}`)).check(
    z.int(want(`a whole number ${what}`)),
    z.minimum(0, want(`a ${what} of 0 or more`)),
    z.maximum(4294967294, want(`a ${what} below 4294967295`)),
  );

// ----- what a machine's shell cannot take (resources are applied by sh scripts) -----

const NO_NUL = z.refine<string>((v) => !v.includes('\0'), want('text without a NUL character', 'no command line or file name can hold a NUL (\\0)'));
const ONE_LINE = z.refine<string>((v) => !/[\n\0]/.test(v), want('a single line (no newline or NUL)'));
/** Text that goes into a shell command (a command, a guard, an env value): anything but NUL. */
const shellText = (expected: string) => str(expected).check(NO_NUL);
/** A path on the machine that a resource manages: absolute, one line, no NUL. */
const machinePath = (what: string) => absPath(what).check(ONE_LINE);
/**
 * A user or group name (or a numeric id): a letter, digit or _ first, so that no tool can take it for
 * an option (`-R`), then letters, digits and _.@+-.
 */
const NAME_HINT = 'names start with a letter, digit or _ and hold only letters, digits and _.@+-';
const accountName = (what: string) => str(`a ${what} name`).check(z.regex(SAFE_NAME, want(`a ${what} name such as "www-data"`, NAME_HINT)));
const newAccountName = (what: string) =>
  accountName(what).check(z.refine<string>((v) => !/^\d+$/.test(v), want(`a ${what} name that is not all digits`, 'a name of digits only would be read as an id')));
/** useradd refuses a home or shell with ":" (the passwd field separator) or a newline. */
const passwdField = (expected: string) => str(expected).check(z.refine<string>((v) => !/[:\n\0]/.test(v), want(`${expected} without ":", newline or NUL`)));
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_NAME_WORDS = 'an environment variable name such as SHOP_ENV';
const envMap = () =>
  z.record(z.string().check(z.regex(ENV_NAME)), shellText('a string'), {
    error: (issue) => `${MARK}${issue.code === 'invalid_key' ? `keys that are environment variable names (letters, digits and _, such as SHOP_ENV)` : 'a map of names to strings'}`,
  });
/** A value /etc/environment can hold so that pam_env and `. /etc/environment` both read it as written. */
const envValue = () =>
  str('a string').check(
    z.refine<string>((v) => envValueProblem(v) === undefined, {
      error: (issue) => `${MARK}a value for /etc/environment, which ${envValueProblem(String(issue.input)) ?? 'cannot hold it'}`,
    }),
  );
/** One string, or a list of them. */
const oneOrMany = (expected: string, item: z.ZodMiniString = str(expected)) =>
  preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item, want(`${expected} or a list of them`)));

/** classic zod's z.preprocess, which zod/mini leaves out: a transform piped into a schema. */
function preprocess<T extends z.ZodMiniType>(fn: (v: unknown) => unknown, schema: T) {
  return z.pipe(z.transform(fn), schema);
}

// ----- machines -----

// [ip:][host port[-range]:]container port[-range][/proto]; IPv6 addresses go in brackets.
/**
 * A value with a syntax of its own (a port, a volume), checked by the one parser the Docker backend
 * uses too: the error says what is wrong with it ("99999 is not between 1 and 65535").
 */
const parsedBy = (parse: (text: string) => unknown, expected: string) => {
  const problem = (v: unknown) => {
    try {
      parse(String(v));
      return undefined;
    } catch (err) {
      return (err as Error).message.replace(/^(port|volume) "(?:[^"\\]|\\.)*": /, '');
    }
  };
  return str(expected).check(z.refine<string>((v) => problem(v) === undefined, { error: (issue) => `${MARK}${expected} (${problem(issue.input)})` }));
};

const dockerBuild = preprocess(
  (v) => (typeof v === 'string' ? { context: v } : v),
  z.strictObject(
    {
      context: str('a folder path (relative to the profile file)'),
      dockerfile: z.optional(str('a Dockerfile path (relative to the context)')),
      args: z._default(stringMap('string'), {}),
    },
    want('a folder path, or a map with context:, dockerfile: and args:'),
  ),
);

export const dockerSchema = z.strictObject(
  {
    image: z.optional(str('an image reference such as "debian:bookworm"')),
    build: z.optional(dockerBuild),
    ports: z._default(
      z.array(
        parsedBy(parsePort, 'a port such as "127.0.0.1:8080:80", "8080:80" or "80"'),
        want('a list of ports such as "127.0.0.1:8080:80"'),
      ),
      [],
    ),
    env: z._default(stringMap('string'), {}),
    volumes: z._default(
      z.array(
        parsedBy(parseVolume, 'a volume such as "web-data:/srv/data" or "./site:/srv/www:ro"'),
        want('a list of volumes'),
      ),
      [],
    ),
    command: z.optional(z.union([z.string(), z.array(z.string())], want('a command string or a list of strings'))),
    hostname: z.optional(str('a host name')),
    privileged: z._default(bool(), false),
  },
  want('a map with image: (or build:), ports:, env:, volumes:'),
);

const jumpSchema = preprocess(
  (v) => (typeof v === 'string' ? { host: v } : v),
  z.strictObject(
    {
      host: str('a host name or address'),
      port: z._default(portNumber(), 22),
      user: z.optional(str('a user name')),
      identity: z.optional(str('a private key file path')),
    },
    want('a host name, or a map with host:, port:, user:, identity:'),
  ),
);

export const sshSchema = z.strictObject(
  {
    host: str('a host name or address'),
    port: z._default(portNumber(), 22),
    user: str('a user name'),
    identity: z.optional(str('a private key file path')),
    agent: z.optional(bool()),
    jump: z.optional(jumpSchema),
    become: z._default(bool(), false),
    connect_timeout: z.optional(seconds()),
    command_timeout: z.optional(seconds()),
  },
  want('a map with host:, port:, user: and identity:'),
);

// ----- vm: -----

const SIZE_WORDS = 'a size such as "1G" or "512M"';
const size = () => str(SIZE_WORDS).check(z.regex(/^\d+(\.\d+)?\s*([KMGT](i?B)?)?$/i, want(SIZE_WORDS, 'sizes are a number with K, M, G or T (powers of 1024), in quotes or not: 1G, 512M')));
const hex = (bytes: number, name: string) =>
  str(`a ${name} checksum (${bytes * 2} hex digits)`).check(z.regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), want(`a ${name} checksum (${bytes * 2} hex digits)`, `print it with \`${name}sum <file>\`, or copy it from the image's SHA${bytes * 8}SUMS`)));
const VM_PORT_RE = /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}):)?\d+:\d+(?:\/(?:tcp|udp))?$/;

export const vmSchema = z.strictObject(
  {
    image: str('an image URL (https://…) or the path of a qcow2 or raw image'),
    sha512: z.optional(hex(64, 'sha512')),
    sha256: z.optional(hex(32, 'sha256')),
    arch: z._default(z.enum(['x86_64', 'aarch64'], want('x86_64 or aarch64')), 'x86_64'),
    cpus: z._default(z.number(want('a number of CPUs')).check(z.int(want('a whole number of CPUs')), z.minimum(1, want('at least 1 CPU')), z.maximum(64, want('at most 64 CPUs'))), 2),
    memory: z._default(size(), '1G'),
    disk: z.optional(size()),
    ports: z._default(
      z.array(
        str('a port such as "127.0.0.1:8080:80"').check(z.regex(VM_PORT_RE, want('a port such as "127.0.0.1:8080:80" or "8080:80" (host:guest)', 'a VM forwards single ports: [address:]host:guest[/tcp|udp]'))),
        want('a list of ports such as "127.0.0.1:8080:80"'),
      ),
      [],
    ),
    folders: z._default(
      z.array(str('a folder such as "./src:/srv/src"').check(z.regex(/^[^:]+:\/[^:]*$/, want('a folder such as "./src:/srv/src" (host path:absolute guest path)'))), want('a list of folders')),
      [],
    ),
    kernel: z.optional(str('the path of a kernel image')),
    initrd: z.optional(str('the path of an initrd image')),
    append: z.optional(str('a kernel command line')),
    boot_timeout: z.optional(seconds()),
  },
  want('a map with image:, sha512:, cpus:, memory:, disk:, ports:'),
);

export const machineSchema = z.strictObject(
  {
    mirrors: z.optional(str('the name of a production host')),
    docker: z.optional(dockerSchema),
    ssh: z.optional(sshSchema),
    vm: z.optional(vmSchema),
    // Each resource is checked against its kind's schema in convert.ts, where the kind is known.
    resources: z._default(z.array(z.unknown(), want('a list of resources')), []),
  },
  want('a map with docker:, ssh: or vm:, and resources:'),
);

export const profileSchema = z.strictObject(
  {
    name: str(NAME_WORDS).check(z.regex(NAME_RE, want(NAME_WORDS))),
    description: z.optional(str('a description')),
    extends: z.optional(z.unknown()),
    abstract: z.optional(bool()),
    role: z._default(z.enum(['dev', 'test', 'production'], want('dev, test or production')), 'dev'),
    // Checked and resolved before the rest (variables are needed to interpolate it).
    vars: z.optional(z.unknown()),
    // Names whose values are masked everywhere; checked in load.ts (every file's list counts).
    secrets: z.optional(z.unknown()),
    machines: z.record(z.string(), machineSchema, want('a map of machine names to machines')),
    cache: z.optional(z.strictObject({ from: z.optional(str('a registry repository such as 127.0.0.1:5000/shop')) }, want('a map with from:'))),
    // The Docker engine this profile's containers run on (before the app's setting and DOCKER_HOST).
    engine: z.optional(
      z
        .strictObject(
          {
            host: z.optional(str('an engine address such as ssh://me@build-box').check(z.regex(/^(unix|tcp|ssh|npipe):\/\/./, want('an address starting with unix://, tcp://, ssh:// or npipe://')))),
            context: z.optional(str('a Docker context name').check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, want('a Docker context name (docker context ls)')))),
          },
          want('a map with host: or context:'),
        )
        .check(z.refine((e) => !!e.host !== !!e.context, want('exactly one of host: and context:', 'an engine is an address (host:) or a Docker context (context:), not both'))),
    ),
  },
  want('a map with name: and machines:'),
);

// ----- resources: the first key is the kind, its value the name -----

const common = { drop: z.optional(bool()) };

export const resourceSchemas = {
  package: z.strictObject({
    package: str('a package name').check(z.regex(/^[A-Za-z0-9][A-Za-z0-9+._:@-]*$/, want('a package name such as "nginx" (letters, digits and +._:@-, not starting with -)'))),
    version: z.optional(str('a version string such as "1.22.*"').check(z.regex(/^[A-Za-z0-9.+~:_*?-]*$/, want('a version or a glob such as "1.22.*" (letters, digits and .+~:_*?-)')))),
    state: z._default(state(), 'present'),
    ...common,
  }),
  file: z.strictObject({
    file: machinePath('file'),
    content: z.optional(str('the file content as a string')),
    src: z.optional(str('a file path relative to the profile file')),
    mode: z.optional(mode()),
    owner: z.optional(accountName('user')),
    group: z.optional(accountName('group')),
    state: z._default(state(), 'present'),
    ...common,
  }),
  directory: z.strictObject({
    directory: machinePath('directory'),
    mode: z.optional(mode()),
    owner: z.optional(accountName('user')),
    group: z.optional(accountName('group')),
    state: z._default(state(), 'present'),
    ...common,
  }),
  line: z.strictObject({
    line: machinePath('file'),
    text: z.optional(str('the line of text').check(ONE_LINE)),
    match: z.optional(str('a regular expression').check(ONE_LINE)),
    state: z._default(state(), 'present'),
    ...common,
  }),
  user: z.strictObject({
    user: newAccountName('user'),
    uid: z.optional(id('uid')),
    groups: z._default(oneOrMany('a group name', accountName('group')), []),
    shell: z.optional(passwdField('a shell path')),
    home: z.optional(machinePath('home').check(z.refine<string>((v) => !v.includes(':'), want('an absolute home path without ":"')))),
    system: z._default(bool(), false),
    state: z._default(state(), 'present'),
    ...common,
  }),
  group: z.strictObject({
    group: newAccountName('group'),
    gid: z.optional(id('gid')),
    system: z._default(bool(), false),
    state: z._default(state(), 'present'),
    ...common,
  }),
  command: z.strictObject({
    command: shellText('a shell command'),
    creates: z.optional(absPath('file').check(NO_NUL)),
    unless: z.optional(shellText('a shell command')),
    onlyif: z.optional(shellText('a shell command')),
    cwd: z.optional(absPath('directory').check(NO_NUL)),
    env: z._default(envMap(), {}),
    ...common,
  }),
  env: z.strictObject({
    env: str('an environment variable name').check(z.regex(ENV_NAME, want(ENV_NAME_WORDS))),
    value: z.optional(envValue()),
    state: z._default(state(), 'present'),
    ...common,
  }),
  service: z.strictObject({
    service: str('a service name').check(z.regex(SAFE_NAME, want('a service name such as "nginx"', 'service names start with a letter, digit or _ and hold only letters, digits and _.@+-'))),
    state: z._default(z.enum(['running', 'stopped'], want('running or stopped')), 'running'),
    enabled: z.optional(bool()),
    ...common,
  }),
} as const;

export type ResourceKindKey = keyof typeof resourceSchemas;

// ----- walking a schema, for "did you mean" -----

interface Walkable {
  def: { type: string; innerType?: Walkable; in?: Walkable; out?: Walkable; element?: Walkable; valueType?: Walkable; options?: Walkable[] };
  shape?: Record<string, Walkable>;
}

function unwrap(s: Walkable): Walkable {
  for (let i = 0; i < 10; i++) {
    const d = s.def;
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe') s = d.in?.def.type === 'transform' ? d.out! : d.in!;
    else break;
  }
  return s;
}

/** The keys the schema allows in the map at `path` (empty when it is not a fixed set). */
export function keysAt(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema as unknown as Walkable);
  for (const step of path) {
    if (s.def.type === 'object' && s.shape && typeof step === 'string' && s.shape[step]) s = s.shape[step]!;
    else if (s.def.type === 'record' && s.def.valueType) s = s.def.valueType;
    else if (s.def.type === 'array' && s.def.element) s = s.def.element;
    else return [];
    s = unwrap(s);
  }
  return s.def.type === 'object' && s.shape ? Object.keys(s.shape) : [];
}
