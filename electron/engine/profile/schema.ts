// The YAML schema of profile format version 1 (docs/profiles.md is its user-facing reference).
// Every check carries the words a user sees after "expected" (schema-parts.ts); each resource kind's
// schema lives in its module (resources/<kind>-resource.ts).
// Shapes only: rules that span keys (docker xor ssh, src inside the folder, ...) live in convert.ts.

import * as z from 'zod/mini';
import { parsePort, parseVolume } from './docker-values.js';
import { absPath, bool, MARK, preprocess, str, want } from '../schema/schema-parts.js';
import { REGISTRY_REPO_WORDS, registryRepoProblem } from '../../../shared/registry-ref.js';

export { MARK };

export const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
const NAME_WORDS = 'a name of lowercase letters, digits and dashes (such as "shop-dev")';

const seconds = () => z.number(want('a number of seconds')).check(z.positive(want('a number of seconds greater than 0')));
const portNumber = () =>
  z.number(want('a port number (1-65535)')).check(z.int(want('a port number (1-65535)')), z.minimum(1, want('a port number (1-65535)')), z.maximum(65535, want('a port number (1-65535)')));
const stringMap = (expected: string) => z.record(z.string(), str(expected), want(`a map of names to ${expected}s`));

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

/** A registry repository (`cache.from`), by the grammar `bake --push` is checked with too. */
const registryRepo = () =>
  str(REGISTRY_REPO_WORDS).check(
    z.refine<string>((v) => registryRepoProblem(v) === undefined, {
      error: (issue) => `${MARK}${REGISTRY_REPO_WORDS} (${registryRepoProblem(String(issue.input))})\nwrite the repository alone, such as 127.0.0.1:5000/shop-cache: Prodlike tags each state itself`,
    }),
  );

const dockerBuild = preprocess(
  (v) => (typeof v === 'string' ? { context: v } : v),
  z.strictObject(
    {
      context: str('a folder path (relative to the profile file)'),
      dockerfile: z.optional(str('a Dockerfile path (relative to the context)')),
      args: z._default(stringMap('string'), {}),
      target: z.optional(str('the name of a build stage')),
    },
    want('a folder path, or a map with context:, dockerfile:, args: and target:'),
  ),
);

const DURATION_WORDS = 'a duration such as "10s", "1m30s" or "500ms"';
const duration = () => str(DURATION_WORDS).check(z.regex(/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, want(DURATION_WORDS)));

const healthcheckSchema = z.strictObject(
  {
    // As in Compose: a string runs with the container's shell; a list starts with CMD, CMD-SHELL or NONE.
    test: z.optional(
      z.union(
        [
          z.string(),
          z.array(z.string()).check(
            z.refine<string[]>((v) => ['CMD', 'CMD-SHELL', 'NONE'].includes(v[0] ?? ''), want('a list starting with "CMD", "CMD-SHELL" or "NONE"')),
          ),
        ],
        want('a shell command, or a list such as ["CMD", "pg_isready"]'),
      ),
    ),
    interval: z.optional(duration()),
    timeout: z.optional(duration()),
    start_period: z.optional(duration()),
    retries: z.optional(z.number(want('a number of retries')).check(z.int(want('a whole number of retries')), z.minimum(1, want('at least 1 retry')))),
    disable: z.optional(bool()),
  },
  want('a map with test:, interval:, timeout:, retries:, start_period:'),
);

const DEPENDS_CONDITIONS = ['service_started', 'service_healthy'] as const;
// A list of names is the map form with default conditions (one schema, so errors name the exact key).
const dependsOnSchema = preprocess(
  (v) => (Array.isArray(v) ? Object.fromEntries(v.map((n) => [String(n), {}])) : v),
  z.record(
    z.string(),
    z.strictObject(
      { condition: z._default(z.enum(DEPENDS_CONDITIONS, want('service_started or service_healthy')), 'service_started') },
      want('a map with condition: service_started or service_healthy'),
    ),
    want('a list of machine names, or a map of machine names to { condition: service_healthy }'),
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
    entrypoint: z.optional(z.union([z.string(), z.array(z.string())], want('an entrypoint string or a list of strings'))),
    keep_alive: z.optional(bool()),
    working_dir: z.optional(absPath('directory')),
    user: z.optional(str('a user such as "postgres" or "1000:1000"')),
    healthcheck: z.optional(healthcheckSchema),
    depends_on: z.optional(dependsOnSchema),
    aliases: z.optional(z.array(str('a host name').check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, want('a host name such as "database"'))), want('a list of host names'))),
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
    // Each resource is checked against its kind's schema (its module in resources/) in resources.ts.
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
    cache: z.optional(z.strictObject({ from: z.optional(registryRepo()) }, want('a map with from:'))),
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
