// Turns zod's findings into problems that name file:line:col, what was expected and what was found.
// Positions come from the tree the values were read from; unknown keys get a "did you mean".

import type * as z from 'zod/mini';
import { Problems, formatPath, suggest } from '../schema/problems.js';
import { MARK, keysAt } from './schema.js';
import { describeNode, locate, type PNode } from '../schema/yaml-tree.js';

type Issue = z.core.$ZodIssue;

/**
 * Reports each issue of validating `root` (as plain values) against `schema`. `prefix` is the key
 * path of `root` within the profile, as shown to the user.
 */
export function reportIssues(issues: readonly Issue[], schema: z.ZodMiniType, root: PNode, prefix: string, problems: Problems): void {
  const show = (path: readonly PropertyKey[]) => {
    const rest = formatPath(path);
    if (!prefix) return rest;
    if (!rest) return prefix;
    return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
  };
  for (const issue of issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, path).filter((k) => k !== 'drop');
      for (const key of issue.keys) {
        const loc = locate(root, [...path, key]);
        const near = suggest(key, known);
        const shown = key.length > 64 ? `${key.slice(0, 60)}...` : key;
        problems.add(
          loc.keyPos ?? loc.node.pos,
          show(path),
          `unknown key "${shown}"${near ? ` (did you mean "${near}"?)` : ''}`,
          near ? `rename "${shown}" to "${near}"` : known.length ? `the keys allowed here are: ${known.join(', ')}` : 'remove it',
        );
      }
      continue;
    }
    const [expected, hint] = ownMessage(issue.message);
    const loc = locate(root, path);
    if (!loc.found) {
      const key = path[path.length - 1];
      problems.add(
        loc.keyPos ?? loc.node.pos,
        show(path.slice(0, -1)),
        `${typeof key === 'string' ? `"${key}" is required` : 'a value is required'}: expected ${expected}`,
        hint ?? (typeof key === 'string' ? `add ${key}: here` : undefined),
      );
      continue;
    }
    problems.add(loc.node.pos, show(path), `expected ${expected}, found ${describeNode(loc.node)}`, hint ?? hintFor(expected, loc.node));
  }
}

function ownMessage(message: string): [string, string | undefined] {
  if (!message.startsWith(MARK)) return [message, undefined];
  const [expected, hint] = message.slice(MARK.length).split('\n');
  return [expected ?? '', hint];
}

/** The usual YAML surprises: an unquoted 0644 or 1.10 is a number, `yes` is a string. */
function hintFor(expected: string, node: PNode): string | undefined {
  if (node.t !== 'scalar') return undefined;
  if (typeof node.value === 'number' && expected.startsWith('a string like "0644"')) {
    return `write the mode in quotes, such as "${node.raw ?? node.value}": YAML reads an unquoted 0644 as the number 644`;
  }
  if (typeof node.value === 'number' && expected.includes('string')) {
    return `put the value in quotes ("${node.raw ?? node.value}") so that YAML keeps it as written`;
  }
  if (node.value === null) return 'give it a value, or remove the key';
  return undefined;
}
