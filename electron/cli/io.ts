// How the CLI talks to its terminal: the commands write through this, so tests can capture it.

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
}
