// Interactive shells opened from the UI, keyed by an unguessable id. Output goes out as pushes, and the
// last BACKLOG_CHARS of it are kept, so a renderer that re-attaches (a tab change, a reload) repaints
// the terminal. A shell ends only when closed (its processes end on the machine) or when it exits.

import { randomUUID } from 'node:crypto';
import type { ShellAttach, ShellInfo, ShellOpenRequest } from '../../shared/api.js';
import type { EngineApi } from '../engine/engine-api.js';
import { ProdlikeError } from '../engine/errors.js';
import type { ShellSession } from '../engine/backends/shell.js';
import type { PushHub } from './push-hub.js';

export const BACKLOG_CHARS = 64 * 1024;

interface OpenShell {
  session: ShellSession;
  info: ShellInfo;
  backlog: string;
}

export class ShellManager {
  private readonly sessions = new Map<string, OpenShell>();

  constructor(
    private readonly engine: EngineApi,
    private readonly hub: PushHub,
  ) {}

  async open(req: ShellOpenRequest): Promise<{ shellId: string }> {
    const shellId = randomUUID();
    const info: ShellInfo = { shellId, file: req.file, machine: req.machine, startedAt: new Date().toISOString(), cols: req.cols, rows: req.rows };
    let early = '';
    const session = await this.engine.openShell(req.file, req.machine, { cols: req.cols, rows: req.rows }, {
      onData: (data) => {
        const open = this.sessions.get(shellId);
        if (open) open.backlog = keepTail(open.backlog + data);
        else early = keepTail(early + data);
        this.hub.publish({ type: 'shell-data', shellId, data });
      },
      onExit: (code) => {
        this.sessions.delete(shellId);
        this.hub.publish({ type: 'shell-exit', shellId, code });
      },
    });
    this.sessions.set(shellId, { session, info, backlog: early });
    return { shellId };
  }

  list(): ShellInfo[] {
    return [...this.sessions.values()].map((s) => s.info);
  }

  attach(shellId: string): ShellAttach {
    const s = this.get(shellId);
    return { shell: s.info, backlog: s.backlog };
  }

  input(shellId: string, data: string): void {
    this.get(shellId).session.write(data);
  }

  async resize(shellId: string, cols: number, rows: number): Promise<void> {
    const s = this.get(shellId);
    s.info.cols = cols;
    s.info.rows = rows;
    await s.session.resize(cols, rows);
  }

  close(shellId: string): void {
    this.sessions.get(shellId)?.session.close();
    this.sessions.delete(shellId);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }

  private get(shellId: string): OpenShell {
    const s = this.sessions.get(shellId);
    if (!s) throw new ProdlikeError('This shell has ended.', { hint: 'Open a new one.' });
    return s;
  }
}

/** The last BACKLOG_CHARS characters, cut at a line start when one is near, so a repaint starts clean. */
function keepTail(text: string): string {
  if (text.length <= BACKLOG_CHARS) return text;
  const tail = text.slice(-BACKLOG_CHARS);
  const nl = tail.indexOf('\n');
  return nl >= 0 && nl < 1024 ? tail.slice(nl + 1) : tail;
}
