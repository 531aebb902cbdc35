// The YAML schema of profile format version 1 (docs/profiles.md is its user-facing reference).
// Every check carries the words a user sees after "expected": `want('a string like "0644"')`.
// Shapes only: rules that span keys (docker xor ssh, src inside the folder, ...) live in convert.ts.

import * as z from 'zod/mini';

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
const ownerName = () => str('a user or group name');
const id = (what: string) => z.number(want(`a numeric ${what}`)).check(z.int(want(`a whole number ${what}`)), z.minimum(0, want(`a ${what} of 0 or more`)));
/** One string, or a list of them. */
const oneOrMany = (expected: string) => preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(str(expected), want(`${expected} or a list of them`)));

/** classic zod's z.preprocess, which zod/mini leaves out: a transform piped into a schema. */
function preprocess<T extends z.ZodMiniType>(fn: (v: unknown) => unknown, schema: T) {
  return z.pipe(z.transform(fn), schema);
}

// ----- machines -----

// [ip:][host port[-range]:]container port[-range][/proto]; IPv6 addresses go in brackets.
const PORT_RE = /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;

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
        str('a port such as "127.0.0.1:8080:80"').check(z.regex(PORT_RE, want('a port such as "127.0.0.1:8080:80", "8080:80" or "80"'))),
        want('a list of ports such as "127.0.0.1:8080:80"'),
      ),
      [],
    ),
    env: z._default(stringMap('string'), {}),
    volumes: z._default(
      z.array(
        str('a volume such as "web-data:/srv/data"').check(z.regex(/^[^:]+:\/[^:]*(?::(?:ro|rw))?$/, want('a volume such as "web-data:/srv/data" or "./site:/srv/www:ro"'))),
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
    machines: z.record(z.string(), machineSchema, want('a map of machine names to machines')),
  },
  want('a map with name: and machines:'),
);

// ----- resources: the first key is the kind, its value the name -----

const common = { drop: z.optional(bool()) };

export const resourceSchemas = {
  package: z.strictObject({
    package: str('a package name'),
    version: z.optional(str('a version string such as "1.22.*"')),
    state: z._default(state(), 'present'),
    ...common,
  }),
  file: z.strictObject({
    file: absPath('file'),
    content: z.optional(str('the file content as a string')),
    src: z.optional(str('a file path relative to the profile file')),
    mode: z.optional(mode()),
    owner: z.optional(ownerName()),
    group: z.optional(ownerName()),
    state: z._default(state(), 'present'),
    ...common,
  }),
  directory: z.strictObject({
    directory: absPath('directory'),
    mode: z.optional(mode()),
    owner: z.optional(ownerName()),
    group: z.optional(ownerName()),
    state: z._default(state(), 'present'),
    ...common,
  }),
  line: z.strictObject({
    line: absPath('file'),
    text: z.optional(str('the line of text')),
    match: z.optional(str('a regular expression')),
    state: z._default(state(), 'present'),
    ...common,
  }),
  user: z.strictObject({
    user: str('a user name'),
    uid: z.optional(id('uid')),
    groups: z._default(oneOrMany('a group name'), []),
    shell: z.optional(str('a shell path')),
    home: z.optional(absPath('home')),
    system: z._default(bool(), false),
    state: z._default(state(), 'present'),
    ...common,
  }),
  group: z.strictObject({
    group: str('a group name'),
    gid: z.optional(id('gid')),
    system: z._default(bool(), false),
    state: z._default(state(), 'present'),
    ...common,
  }),
  command: z.strictObject({
    command: str('a shell command'),
    creates: z.optional(absPath('file')),
    unless: z.optional(str('a shell command')),
    onlyif: z.optional(str('a shell command')),
    cwd: z.optional(absPath('directory')),
    env: z._default(stringMap('string'), {}),
    ...common,
  }),
  env: z.strictObject({
    env: str('an environment variable name').check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, want('an environment variable name such as SHOP_ENV'))),
    value: z.optional(str('a string')),
    state: z._default(state(), 'present'),
    ...common,
  }),
  service: z.strictObject({
    service: str('a service name'),
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
