// The native client's terminal, in the agent: log-update drawing the live machine lines over a stream
// that is the client's stdout (`o` frames), with the client's size, and the cursor hidden and shown on
// the client's stderr exactly as the Node CLI's log-update does it (cli-cursor on process.stderr), so the
// bytes the terminal gets are the same. The agent's own stdout and stderr are never touched.

import type logUpdateModule from 'log-update';

/** DECTCEM: what cli-cursor writes. The native client watches for them and shows the cursor if it exits with it hidden. */
export const HIDE_CURSOR = '\u001B[?25l';
export const SHOW_CURSOR = '\u001B[?25h';

export interface ClientTerminal {
  /** The client's stdout's size (TIOCGWINSZ); absent when it could not be read (log-update then assumes 80 × 24, as Node would). */
  columns?: number;
  rows?: number;
  /** The client's stderr is a terminal: the cursor is hidden there while the live lines are drawn. */
  stderrTty: boolean;
}

export interface ServedTerminal {
  live: typeof logUpdateModule;
  /** SIGWINCH in the client: the next frame is drawn at the new width, as Node's tty stream would. */
  resize(columns: number, rows: number): void;
  /** What the Node CLI writes as it exits (restore-cursor): the cursor shown again, if it was ever hidden. */
  exit(): void;
}

export function servedTerminal(term: ClientTerminal, write: (type: 'o' | 'e', s: string) => void, createLogUpdate: (typeof import('log-update'))['createLogUpdate']): ServedTerminal {
  const stream = {
    isTTY: true,
    columns: term.columns,
    rows: term.rows,
    write(s: string) {
      write('o', s);
      return true;
    },
  };
  // showCursor: the cursor is this module's, written to the client's stderr (cli-cursor would use the agent's).
  const update = createLogUpdate(stream as unknown as NodeJS.WritableStream, { showCursor: true });
  let restoreOnExit = false;
  const live = Object.assign(
    (...text: string[]) => {
      // cli-cursor hides on every render (even one that draws nothing new), and only on a terminal.
      if (term.stderrTty) {
        restoreOnExit = true;
        write('e', HIDE_CURSOR);
      }
      update(...text);
    },
    {
      clear: () => update.clear(),
      done: () => {
        update.done();
        if (term.stderrTty) write('e', SHOW_CURSOR);
      },
    },
  );
  return {
    live,
    resize(columns, rows) {
      stream.columns = columns;
      stream.rows = rows;
    },
    exit() {
      if (restoreOnExit) write('e', SHOW_CURSOR);
    },
  };
}
