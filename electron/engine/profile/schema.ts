// The YAML schema of profile format version 1 (docs/profiles.md is its user-facing reference).
// Every check carries the words a user sees after "expected": `want('a string like "0644"')`.
// Shapes only: rules that span keys (docker xor ssh, src inside the folder, ...) live in convert.ts.

import { z } from 'zod';

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
const seconds = () => z.number(want('a number of seconds')).positive(want('a number of seconds greater than 0'));
const portNumber = () =>
  z.number(want('a port number (1-65535)')).int(want('a port number (1-65535)')).min(1, want('a port number (1-65535)')).max(65535, want('a port number (1-65535)'));
const stringMap = (expected: string) => z.record(z.string(), str(expected), want(`a map of names to ${expected}s`));
const state = () => z.enum(['present', 'absent'], want('present or absent'));
const absPath = (what: string) => str(`an absolute ${what} path`).startsWith('/', want(`an absolute ${what} path (starting with /)`));
const mode = () =>
  str('a string like "0644"').regex(
    /^[0-7]{3,4}$/,
    want('a string like "0644" (3 or 4 octal digits)', 'modes are octal digits in quotes, such as "0644" or "0755"'),
  );
const ownerName = () => str('a user or group name');
const id = (what: string) => z.number(want(`a numeric ${what}`)).int(want(`a whole number ${what}`)).min(0, want(`a ${what} of 0 or more`));
/** One string, or a list of them. */
const oneOrMany = (expected: string) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(str(expected), want(`${expected} or a list of them`)));

// ----- machines -----

// [ip:][host port[-range]:]container port[-range][/proto]; IPv6 addresses go in brackets.
const PORT_RE = /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;

const dockerBuild = z.preprocess(
  (v) => (typeof v === 'string' ? { context: v } : v),
  z.strictObject(
    {
      context: str('a folder path (relative to the profile file)'),
      dockerfile: str('a Dockerfile path (relative to the context)').optional(),
      args: stringMap('string').default({}),
    },
    want('a folder path, or a map with context:, dockerfile: and args:'),
  ),
);

export const dockerSchema = z.strictObject(
  {
    image: str('an image reference such as "debian:bookworm"').optional(),
    build: dockerBuild.optional(),
    ports: z
      .array(
        str('a port such as "127.0.0.1:8080:80"').regex(PORT_RE, want('a port such as "127.0.0.1:8080:80", "8080:80" or "80"')),
        want('a list of ports such as "127.0.0.1:8080:80"'),
      )
      .default([]),
    env: stringMap('string').default({}),
    volumes: z
      .array(
        str('a volume such as "web-data:/srv/data"').regex(/^[^:]+:\/[^:]*(?::(?:ro|rw))?$/, want('a volume such as "web-data:/srv/data" or "./site:/srv/www:ro"')),
        want('a list of volumes'),
      )
      .default([]),
    command: z.union([z.string(), z.array(z.string())], want('a command string or a list of strings')).optional(),
    hostname: str('a host name').optional(),
    privileged: bool().default(false),
  },
  want('a map with image: (or build:), ports:, env:, volumes:'),
);

const jumpSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { host: v } : v),
  z.strictObject(
    {
      host: str('a host name or address'),
      port: portNumber().default(22),
      user: str('a user name').optional(),
      identity: str('a private key file path').optional(),
    },
    want('a host name, or a map with host:, port:, user:, identity:'),
  ),
);

export const sshSchema = z.strictObject(
  {
    host: str('a host name or address'),
    port: portNumber().default(22),
    user: str('a user name'),
    identity: str('a private key file path').optional(),
    agent: bool().optional(),
    jump: jumpSchema.optional(),
    become: bool().default(false),
    connect_timeout: seconds().optional(),
    command_timeout: seconds().optional(),
  },
  want('a map with host:, port:, user: and identity:'),
);

export const machineSchema = z.strictObject(
  {
    mirrors: str('the name of a production host').optional(),
    docker: dockerSchema.optional(),
    ssh: sshSchema.optional(),
    // Each resource is checked against its kind's schema in convert.ts, where the kind is known.
    resources: z.array(z.unknown(), want('a list of resources')).default([]),
  },
  want('a map with docker: or ssh:, and resources:'),
);

export const profileSchema = z.strictObject(
  {
    name: str(NAME_WORDS).regex(NAME_RE, want(NAME_WORDS)),
    description: str('a description').optional(),
    extends: z.unknown().optional(),
    abstract: bool().optional(),
    role: z.enum(['dev', 'test', 'production'], want('dev, test or production')).default('dev'),
    // Checked and resolved before the rest (variables are needed to interpolate it).
    vars: z.unknown().optional(),
    machines: z.record(z.string(), machineSchema, want('a map of machine names to machines')),
  },
  want('a map with name: and machines:'),
);

// ----- resources: the first key is the kind, its value the name -----

const common = { drop: bool().optional() };

export const resourceSchemas = {
  package: z.strictObject({
    package: str('a package name'),
    version: str('a version string such as "1.22.*"').optional(),
    state: state().default('present'),
    ...common,
  }),
  file: z.strictObject({
    file: absPath('file'),
    content: str('the file content as a string').optional(),
    src: str('a file path relative to the profile file').optional(),
    mode: mode().optional(),
    owner: ownerName().optional(),
    group: ownerName().optional(),
    state: state().default('present'),
    ...common,
  }),
  directory: z.strictObject({
    directory: absPath('directory'),
    mode: mode().optional(),
    owner: ownerName().optional(),
    group: ownerName().optional(),
    state: state().default('present'),
    ...common,
  }),
  line: z.strictObject({
    line: absPath('file'),
    text: str('the line of text').optional(),
    match: str('a regular expression').optional(),
    state: state().default('present'),
    ...common,
  }),
  user: z.strictObject({
    user: str('a user name'),
    uid: id('uid').optional(),
    groups: oneOrMany('a group name').default([]),
    shell: str('a shell path').optional(),
    home: absPath('home').optional(),
    system: bool().default(false),
    state: state().default('present'),
    ...common,
  }),
  group: z.strictObject({
    group: str('a group name'),
    gid: id('gid').optional(),
    system: bool().default(false),
    state: state().default('present'),
    ...common,
  }),
  command: z.strictObject({
    command: str('a shell command'),
    creates: absPath('file').optional(),
    unless: str('a shell command').optional(),
    onlyif: str('a shell command').optional(),
    cwd: absPath('directory').optional(),
    env: stringMap('string').default({}),
    ...common,
  }),
  env: z.strictObject({
    env: str('an environment variable name').regex(/^[A-Za-z_][A-Za-z0-9_]*$/, want('an environment variable name such as SHOP_ENV')),
    value: str('a string').optional(),
    state: state().default('present'),
    ...common,
  }),
  service: z.strictObject({
    service: str('a service name'),
    state: z.enum(['running', 'stopped'], want('running or stopped')).default('running'),
    enabled: bool().optional(),
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
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
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
