// A registry repository as `bake --push` and a profile's `cache: { from: }` take it: Docker's reference
// grammar (distribution/reference) for the name alone, since Prodlike tags each state itself.
//
//   repository := [host [":" port] "/"] component ("/" component)*
//   host       := domain-component ("." domain-component)* | IPv4 | "[" IPv6 "]"   (any case)
//   component  := [a-z0-9]+ ((?:[._]|__|-*) [a-z0-9]+)*                           (lowercase)
//
// As Docker reads it, the first part is the registry only when it has a "." or ":" or is "localhost"
// (registryOf in registry-auth.ts decides the same); otherwise the repository is on Docker Hub.

/** What to write, for messages: after "expected". */
export const REGISTRY_REPO_WORDS = 'a registry repository without a tag or digest, in lowercase, such as 127.0.0.1:5000/shop-cache';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;
/** Docker's limit on a whole name. */
const MAX_NAME = 255;

/** Why `text` is not a registry repository (a short clause), or undefined when it is one. */
export function registryRepoProblem(text: string): string | undefined {
  if (text.trim() === '') return 'it is empty';
  if (/\s/.test(text)) return 'it has a space';
  const at = text.indexOf('@');
  if (at >= 0) return `"${text.slice(at)}" is a digest: a repository has none (Prodlike tags each state itself)`;
  if (text.length > MAX_NAME) return `it is longer than ${MAX_NAME} characters`;
  if (text.endsWith('/')) return 'it ends with "/"';
  if (text.startsWith('/')) return 'it starts with "/"';
  const parts = text.split('/');
  const first = parts[0]!;
  if (parts.length === 1 && /^[^:]+:\d+$/.test(first) && (first.includes('.') || first.startsWith('localhost:'))) return `"${text}" is a registry without a repository: add one after a "/"`;
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost) {
    const problem = hostProblem(first);
    if (problem) return problem;
  }
  const path = hasHost ? parts.slice(1) : parts;
  for (const c of path) {
    if (c === '') return 'it has an empty part ("//")';
    const colon = c.indexOf(':');
    if (colon >= 0) return `"${c.slice(colon)}" is a tag: a repository has none (Prodlike tags each state itself)`;
    if (c !== c.toLowerCase() && COMPONENT.test(c.toLowerCase())) return `"${c}" has uppercase letters: a repository's name is lowercase`;
    if (!COMPONENT.test(c)) return `"${c}" is not a name part: lowercase letters and digits, joined by ".", "_", "__" or dashes (not at either end)`;
  }
  return undefined;
}

function hostProblem(host: string): string | undefined {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host);
  const name = m?.[1] ?? '';
  const port = m?.[2];
  if (!(DOMAIN.test(name) || IPV6.test(name))) return `"${host}" is not a registry host[:port]`;
  if (port !== undefined && !/^\d+$/.test(port)) return `"${host}" is not a registry host[:port] (the port is not a number)`;
  return undefined;
}

/** Whether `text` is a registry repository. */
export function isRegistryRepo(text: string): boolean {
  return registryRepoProblem(text) === undefined;
}
