// A SysV init script for tests' own services (no package to install): `start` runs the given lines
// after "already running", `stop` kills what the pid file names, `status` says whether it runs.

export function initScriptText(name: string, start: string[], alsoRemove = ''): string {
  return `#!/bin/sh
PID=/run/${name}.pid
running() { [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; }
case "$1" in
  start)
    running && exit 0
${start.map((l) => `    ${l}`).join('\n')}
  stop) running && kill "$(cat $PID)"; rm -f $PID${alsoRemove} ;;
  status) running && exit 0; exit 3 ;;
esac
`;
}

/** A file resource (profile text, under `resources:` of a machine): that init script, installed. */
export function initScriptResource(name: string, start: string[], alsoRemove = ''): string {
  const content = initScriptText(name, start, alsoRemove)
    .trimEnd()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  return `      - file: /etc/init.d/${name}\n        mode: "0755"\n        content: |\n${content}\n`;
}
