// A transport runs a command on a machine. Resources see only this interface, so every resource works
// over Docker exec and SSH alike.

export interface ExecOptions {
  /** Sent to the command's standard input, then closed. */
  stdin?: string | Buffer;
  /** Kill the command (and fail with a clear message) after this long. */
  timeoutMs?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Transport {
  /** "docker shop-dev-web-1", "ssh root@127.0.0.1:2222": for messages. */
  readonly target: string;
  /**
   * Runs `script` with POSIX sh on the machine, as root (SSH with `become` goes through `sudo -n`).
   * Resolves with the exit code whatever it is; rejects only when the command could not be run.
   */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}
