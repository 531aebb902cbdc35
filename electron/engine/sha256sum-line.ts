// One line of `sha256sum FILE...` output: "<hash>  <name>". GNU escapes a name holding a backslash or
// a newline (and marks the line with a leading backslash); busybox prints names as they are.

export function parseSumLine(line: string): { hash: string; name: string } | undefined {
  const escaped = line.startsWith('\\');
  const l = escaped ? line.slice(1) : line;
  const m = /^([0-9a-f]{64}) [ *](.*)$/.exec(l);
  if (!m) return undefined;
  return { hash: m[1]!, name: escaped ? m[2]!.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')) : m[2]! };
}
