// The `prodlike` command as installed (bin/prodlike → the native client), typed in a real terminal: a
// pseudo-terminal made by util-linux `script`, stdout and stderr both on it, as a user's. With a warm agent
// the run is served without starting Node (PRODLIKE_NODE=/bin/false: starting Node would fail), with its
// live progress lines, and what the terminal shows at the end — colours included — is what the Node CLI
// (`--no-agent`) shows in the same terminal; the exit codes are the same. The cursor, hidden while the live
// lines are drawn, is shown again at the end, after Ctrl-C, when a signal ends the client, and when the
// agent is killed mid-run.
// Containers are checked with the docker CLI.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';
import { AGENT_ENV, CLIENT, NATIVE, NO_NODE, twoContainers } from '../../support/native-client.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const why = !existsSync(CLIENT) ? 'the native client is not built (no C compiler when `npm run build` ran)' : !hasScript ? 'no `script` (util-linux) to make a terminal' : '';
const NAME = unique('pl-it-tty');
const AGENT = AGENT_ENV;
const COLOURS = { NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm-256color' };
const NO_COLOURS = { NO_COLOR: '1', FORCE_COLOR: '', TERM: 'xterm-256color' };
const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';
let ws: Workspace;
let file: string;

const profile = (extra = '') => twoContainers(NAME, 'tty-test', extra, '      - directory: /srv/$m\n');

interface TtyRun {
  code: number;
  /** Everything the terminal got, stdout and stderr together (the pty's \r\n included). */
  raw: string;
}

/** `prodlike <args>` in a new terminal of 100 × 40 (script -qfec), from the workspace; `type` writes to it as a user's keys. */
interface Terminal {
  done: Promise<TtyRun>;
  type(keys: string): void;
  output(): string;
  signalClient(sig: NodeJS.Signals): void;
  resize(columns: number, rows: number): void;
}

function openTerminal(args: string[], env: NodeJS.ProcessEnv): Terminal {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qfec', `stty cols 100 rows 40; exec ${NATIVE} ${quoted}`, '/dev/null'], {
    cwd: ws.dir,
    env: { ...ws.env, ...AGENT, SHELL: '/bin/sh', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const done = new Promise<TtyRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, raw });
    });
  });
  // The client is script's child (the shell exec'd it).
  const client = () => {
    const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    expect(kids).toHaveLength(1);
    expect(readFileSync(`/proc/${kids[0]}/comm`, 'utf8').trim()).toBe('prodlike-client');
    return Number(kids[0]);
  };
  return {
    done,
    type: (keys) => child.stdin.write(keys),
    output: () => raw,
    signalClient: (sig) => process.kill(client(), sig),
    // As a terminal window resized: the kernel sends SIGWINCH to the client.
    resize: (columns, rows) => execFileSync('stty', ['-F', readlinkSync(`/proc/${client()}/fd/1`), 'cols', String(columns), 'rows', String(rows)]),
  };
}
const inTerminal = (args: string[], env: NodeJS.ProcessEnv) => openTerminal(args, env).done;

/**
 * What the terminal shows at the end: the output replayed through the sequences log-update and the pty
 * use (erase line, cursor up, column 1, CR LF), colour escapes kept as they are, the timings and run ids
 * replaced. Intermediate frames of the live lines depend on timing; the end does not.
 */
function screen(raw: string): string {
  const lines: string[] = [''];
  let row = 0;
  // eslint-disable-next-line no-control-regex
  const token = /\x1b\[(\d*)([A-Za-z])|\x1b\[\?25[lh]|\r\n|\n|\r|[^\x1b\r\n]+/g;
  for (const m of raw.matchAll(token)) {
    const t = m[0];
    if (t === '\r\n' || t === '\n') {
      row++;
      lines[row] ??= '';
    } else if (t === '\r' || t === HIDE || t === SHOW) continue;
    else if (m[2] === 'K') lines[row] = '';
    else if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
    else if (m[2] === 'G') continue; // always right after an erase: the line is empty
    else lines[row] += t; // text, or a colour (SGR), kept as written
  }
  return lines
    .slice(0, row + 1)
    .join('\n')
    .replace(/\b\d+(\.\d+)? m?s\b/g, '<t>')
    .replace(/\b[0-9a-f]{8}\b/g, '<id>');
}

/**
 * Drawn as live lines (log-update, the cursor hidden meanwhile), not as the plain lines of a pipe (which
 * start with "up <profile>: 2 machine(s)"). How many frames were drawn depends on how fast the run was.
 */
function expectLive(raw: string): void {
  expect(raw.startsWith(HIDE), raw).toBe(true);
  expect(raw).not.toMatch(/^\w+ \S+: 2 machine\(s\)/m);
}

/** Whether the cursor is shown after all of the output (hidden by default never: the terminal starts with it shown). */
const cursorShown = (raw: string) => raw.lastIndexOf(SHOW) >= raw.lastIndexOf(HIDE);
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[\d+(;\d+)*m/;

function agentStatus(): { runsServed: number; pid: number; running: unknown[] } {
  const out = execFileSync(NATIVE, ['agent', 'status', '--json'], { cwd: ws.dir, env: { ...ws.env, ...AGENT }, encoding: 'utf8' });
  return (JSON.parse(out) as { agent: { runsServed: number; pid: number; running: unknown[] } }).agent;
}

/** The command served by the agent without Node, then by the Node CLI in-process: both, in the same terminal. */
async function bothWays(args: string[], env: NodeJS.ProcessEnv): Promise<{ served: TtyRun; node: TtyRun }> {
  const before = agentStatus().runsServed;
  const served = await inTerminal(args, { ...env, ...NO_NODE });
  expect(agentStatus().runsServed, served.raw).toBe(before + 1);
  const node = await inTerminal([...args, '--no-agent'], env);
  return { served, node };
}

async function waitFor(what: string, f: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const sleeping = () => docker('exec', `${NAME}-a`, 'sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "').includes('sleep 30');

beforeAll(async () => {
  if (why) return;
  ws = await workspace();
  file = await ws.write('profiles/tty.yaml', profile());
  const up = await ws.run(['up', file, '--no-agent']);
  if (up.code !== 0) throw new Error(up.stdout + up.stderr);
  execFileSync(NATIVE, ['agent', 'start'], { cwd: ws.dir, env: { ...ws.env, ...AGENT } });
});
afterAll(() => {
  if (ws) execFileSync(NATIVE, ['agent', 'stop'], { cwd: ws.dir, env: { ...ws.env, ...AGENT } });
  purge(NAME);
});

describe.skipIf(!!why)(`a run typed in a terminal, through the native client${why ? ` (skipped: ${why})` : ''}`, () => {
  it('a no-change up: served with its live lines and colours, the same screen as the Node CLI, exit 0', async () => {
    const { served, node } = await bothWays(['up', 'profiles/tty.yaml'], COLOURS);
    expect([served.code, node.code]).toEqual([0, 0]);
    // Live lines and colours, not the plain lines of a pipe.
    expectLive(served.raw);
    expect(served.raw).toContain('\x1b[32m✓\x1b[39m');
    expect(screen(served.raw)).toContain('nothing to change');
    expect(screen(served.raw)).toBe(screen(node.raw));
    expect(cursorShown(served.raw)).toBe(true);
    expect(served.raw.endsWith(SHOW)).toBe(node.raw.endsWith(SHOW));
  });

  it('NO_COLOR: no colour escapes either way, the same screen', async () => {
    const { served, node } = await bothWays(['up', 'profiles/tty.yaml'], NO_COLOURS);
    expect([served.code, node.code]).toEqual([0, 0]);
    expect(SGR.test(served.raw)).toBe(false);
    expect(SGR.test(node.raw)).toBe(false);
    expectLive(served.raw);
    expect(screen(served.raw)).toBe(screen(node.raw));
  });

  it('plan and drift with a change: exit 2, the same screen with its diffs; nothing changed in the container', async () => {
    docker('exec', `${NAME}-b`, 'sh', '-c', 'echo changed > /etc/tty-test');
    for (const command of ['plan', 'drift']) {
      const { served, node } = await bothWays([command, 'profiles/tty.yaml'], COLOURS);
      expect([served.code, node.code], served.raw).toEqual([2, 2]);
      expect(screen(served.raw)).toContain('/etc/tty-test');
      expect(screen(served.raw)).toBe(screen(node.raw));
    }
    expect(exec(`${NAME}-b`, 'cat /etc/tty-test')).toBe('changed');
    const up = await ws.run(['up', file, '--no-agent']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(exec(`${NAME}-b`, 'cat /etc/tty-test')).toBe('b');
  });

  it('a failing resource: exit 1, the same screen (the failure and its output in red)', async () => {
    await ws.write('profiles/tty.yaml', profile('      - command: echo no such thing >&2; exit 3\n'));
    const { served, node } = await bothWays(['up', 'profiles/tty.yaml'], COLOURS);
    expect([served.code, node.code], served.raw).toEqual([1, 1]);
    expect(screen(served.raw)).toContain('FAILED');
    expect(screen(served.raw)).toBe(screen(node.raw));
    expect(cursorShown(served.raw)).toBe(true);
    expect(exec(`${NAME}-a`, 'cat /etc/tty-test')).toBe('a');
  });

  it('a bad profile: exit 1, the same located message', async () => {
    await ws.write('profiles/bad.yaml', `name: ${NAME}-bad\nmachines:\n  x:\n    docker: { image: debian:bookworm }\n    resources:\n      - nosuchkind: x\n`);
    const { served, node } = await bothWays(['up', 'profiles/bad.yaml'], COLOURS);
    expect([served.code, node.code]).toEqual([1, 1]);
    expect(screen(served.raw)).toContain('bad.yaml:6');
    expect(screen(served.raw)).toBe(screen(node.raw));
  });

  it('Ctrl-C on the terminal cancels the run in the agent: exit 1, the command stopped, the cursor shown again', async () => {
    await ws.write('profiles/tty.yaml', profile('      - command: sleep 30 && touch /srv/slept\n        creates: /srv/slept\n'));
    const term = openTerminal(['up', 'profiles/tty.yaml'], { ...COLOURS, ...NO_NODE });
    await waitFor('the command to run', () => term.output().includes('running sleep 30') && sleeping());
    expect(cursorShown(term.output())).toBe(false);
    const t = Date.now();
    // Typed on the terminal: its line discipline sends SIGINT to the client, as a user's Ctrl-C does.
    term.type('\x03');
    const r = await term.done;
    expect(r.code, r.raw).toBe(1);
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(screen(r.raw)).toContain('was cancelled');
    expect(cursorShown(r.raw)).toBe(true);
    await waitFor('the command to be stopped', () => !sleeping(), 20_000);
    expect(exec(`${NAME}-a`, 'test -e /srv/slept && echo yes || echo no')).toBe('no');
    await waitFor('the cancelled run to end in the agent', () => agentStatus().running.length === 0, 20_000);
  });

  it('a resized terminal: the next live frames are drawn at its new width', async () => {
    const term = openTerminal(['up', 'profiles/tty.yaml'], { ...NO_COLOURS, ...NO_NODE });
    await waitFor('the command to run', () => term.output().includes('running sleep 30') && sleeping());
    const lastFrame = (raw: string) => raw.slice(raw.lastIndexOf('\x1b[G') + 3).split('\r\n').filter(Boolean);
    // At 100 columns the live line of `a` is one line.
    expect(lastFrame(term.output()).some((l) => l.includes('running sleep 30 && touch /srv/slept'))).toBe(true);
    try {
      const mark = term.output().length;
      term.resize(30, 40);
      await waitFor('a frame at the new width', () => term.output().length > mark + 10 && term.output().slice(mark).includes('\x1b[G'), 10_000);
      const frame = lastFrame(term.output());
      expect(frame.length).toBeGreaterThan(2);
      for (const line of frame) expect([...line.replaceAll(HIDE, '').replaceAll(SHOW, '')].length, line).toBeLessThanOrEqual(30);
    } finally {
      term.type('\x03');
      expect((await term.done).code).toBe(1);
      await waitFor('the cancelled run to end in the agent', () => agentStatus().running.length === 0, 20_000);
    }
  });

  it('a signal that ends the client (SIGTERM, as a second Ctrl-C) shows the cursor first; the agent cancels the run', async () => {
    const term = openTerminal(['up', 'profiles/tty.yaml'], { ...COLOURS, ...NO_NODE });
    await waitFor('the command to run', () => term.output().includes('running sleep 30') && sleeping());
    expect(cursorShown(term.output())).toBe(false);
    term.signalClient('SIGTERM');
    const r = await term.done;
    expect(r.code, r.raw).toBe(128 + 15); // script reports the signal that ended its command
    expect(cursorShown(r.raw), JSON.stringify(r.raw.slice(-100))).toBe(true);
    await waitFor('the command to be stopped', () => !sleeping(), 20_000);
    await waitFor('the cancelled run to end in the agent', () => agentStatus().running.length === 0, 20_000);
  });

  it('the agent killed mid-run: the cursor is shown again, exit 1 and the run reported as lost', async () => {
    const { pid } = agentStatus();
    const term = openTerminal(['up', 'profiles/tty.yaml'], COLOURS);
    await waitFor('the command to run', () => term.output().includes('running sleep 30') && sleeping());
    expect(cursorShown(term.output())).toBe(false);
    process.kill(pid, 'SIGKILL');
    const r = await term.done;
    expect(r.code, r.raw).toBe(1);
    expect(screen(r.raw)).toContain('the Prodlike agent stopped during the run (killed or crashed)');
    expect(cursorShown(r.raw)).toBe(true);
    await ws.write('profiles/tty.yaml', profile());
    execFileSync(NATIVE, ['agent', 'start'], { cwd: ws.dir, env: { ...ws.env, ...AGENT } });
  });
});
