// The agent's socket for a native client's command, with a stand-in for the CLI's handler (served-cli.ts):
// a terminal's resize, sent on the connection after the command, reaches the handler — also when it comes
// before the handler asks for it.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentPaths, ensureRuntimeDir } from '../../../../electron/engine/agent/paths.js';
import type { CliConnection, CliRequest } from '../../../../electron/engine/agent/protocol.js';
import { AgentServer } from '../../../../electron/engine/agent/server.js';

const servers: AgentServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop('test done');
});

async function serveWith(cli: (msg: CliRequest, conn: CliConnection) => Promise<void>) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pl-srvcli-'));
  const paths = agentPaths(path.join(root, 'data'), { ...process.env, XDG_RUNTIME_DIR: path.join(root, 'run') });
  ensureRuntimeDir(paths.dir);
  const server = new AgentServer({ paths, build: 'b', version: '0', idleExitMs: Infinity, cli });
  await server.listen();
  servers.push(server);
  return paths.socket;
}

/** Sends the command and then `first` on one connection; `send` writes more; `done` has the bytes the agent answered. */
function client(socket: string, first: object[]) {
  const sock = net.connect(socket);
  const chunks: Buffer[] = [];
  sock.on('data', (d) => chunks.push(d));
  const done = new Promise<Buffer>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  });
  const req: CliRequest = { op: 'cli', argv: ['up', 'x'], cwd: '/', env: {}, main: '/nowhere/main.mjs', tty: true, stderrTty: true, columns: 80, rows: 24 };
  sock.write([req, ...first].map((m) => JSON.stringify(m) + '\n').join(''));
  return { done, send: (m: object) => sock.write(JSON.stringify(m) + '\n') };
}

describe('a native client’s terminal size, mid-command', () => {
  it('each resize reaches the handler, the one sent before it asked included; a bad one is dropped', async () => {
    const sizes: [number, number][] = [];
    let got: CliRequest | undefined;
    const socket = await serveWith(async (msg, conn) => {
      got = msg;
      // The handler asks late (served-cli.ts loads log-update first): the resize sent with the command is kept.
      await new Promise((r) => setTimeout(r, 100));
      conn.onResize((c, r) => sizes.push([c, r]));
      await new Promise((r) => setTimeout(r, 300));
      conn.frame('x', '0');
    });
    const c = client(socket, [{ op: 'resize', columns: 100, rows: 30 }]);
    await new Promise((r) => setTimeout(r, 200));
    c.send({ op: 'resize', columns: 'wide', rows: 30 });
    c.send({ op: 'resize', columns: 40, rows: 10 });
    const answer = await c.done;
    expect(answer.subarray(0, 1).toString()).toBe('x');
    expect(got).toMatchObject({ tty: true, stderrTty: true, columns: 80, rows: 24 });
    expect(sizes).toEqual([
      [100, 30],
      [40, 10],
    ]);
  });
});
