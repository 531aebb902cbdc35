// Interactive shells opened from the UI, keyed by an unguessable id. Output goes out as pushes.

import { randomUUID } from 'node:crypto';
import type { ShellOpenRequest } from '../../shared/api.js';
import type { EngineApi } from '../engine/engine-api.js';
import { ProdlikeError } from '../engine/errors.js';
import type { ShellSession } from '../engine/backends/shell.js';
import type { PushHub } from './push-hub.js';

export class ShellManager {
  private readonly sessions = new Map<string, ShellSession>();

  constructor(
    private readonly engine: EngineApi,
    private readonly hub: PushHub,
  ) {}

  async open(req: ShellOpenRequest): Promise<{ shellId: string }> {
    const shellId = randomUUID();
    const session = await this.engine.openShell(req.file, req.machine, { cols: req.cols, rows: req.rows }, {
      onData: (data) => this.hub.publish({ type: 'shell-data', shellId, data }),
      onExit: (code) => {
        this.sessions.delete(shellId);
        this.hub.publish({ type: 'shell-exit', shellId, code });
      },
    });
    this.sessions.set(shellId, session);
    return { shellId };
  }

  input(shellId: string, data: string): void {
    this.get(shellId).write(data);
  }

  async resize(shellId: string, cols: number, rows: number): Promise<void> {
    await this.get(shellId).resize(cols, rows);
  }

  close(shellId: string): void {
    this.sessions.get(shellId)?.close();
    this.sessions.delete(shellId);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }

  private get(shellId: string): ShellSession {
    const s = this.sessions.get(shellId);
    if (!s) throw new ProdlikeError('This shell has ended.', { hint: 'Open a new one.' });
    return s;
  }
}
