// A Docker machine's container logs for the app: the last lines, then (follow) new lines as they come,
// in batches at most 100 ms apart. The follow stream starts where the tail ended (by the engine's
// timestamps), so a line is neither lost nor shown twice at the seam.

import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

export interface LogFollow {
  stop(): void;
}

/** Splits Docker's 8-byte-header multiplexed log format; a TTY container's log is raw. */
export function demuxLogs(buf: Buffer): string {
  if (buf.length < 8 || buf[0]! > 2 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) return buf.toString('utf8');
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** "2024-05-01T10:00:00.123456789Z text" → [timestamp, text]. */
export function splitTimestamp(line: string): [string, string] {
  const sp = line.indexOf(' ');
  return sp > 0 && /^\d{4}-\d\d-\d\dT/.test(line) ? [line.slice(0, sp), line.slice(sp + 1)] : ['', line];
}

const BATCH_MS = 100;

/** A timestamp that sorts as text: RFC 3339 with the nanoseconds padded (Docker trims their zeros). */
export function timeKey(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : '';
}

export async function containerLogs(
  docker: Docker,
  containerId: string,
  opts: { follow: boolean; tail: number },
  onLines: (lines: string[]) => void,
  onEnd: (err?: Error) => void,
): Promise<{ lines: string[]; follow?: LogFollow }> {
  const container = docker.getContainer(containerId);
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false, tail: opts.tail, timestamps: true })) as unknown as Buffer;
  const stamped = demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
  const lines = stamped.map((l) => splitTimestamp(l)[1]);
  if (!opts.follow) return { lines };

  // From the last second of the tail on (`since` counts whole seconds): what is not newer than the
  // tail's last line is skipped, except lines of that very instant the tail did not show.
  const lastTs = stamped.length ? splitTimestamp(stamped[stamped.length - 1]!)[0] : '';
  const lastKey = timeKey(lastTs);
  const since = lastTs ? Math.floor(Date.parse(lastTs) / 1000) : Math.floor(Date.now() / 1000);
  const seen = new Set(stamped.filter((l) => lastKey && timeKey(splitTimestamp(l)[0]) === lastKey));
  const stream = (await container.logs({ stdout: true, stderr: true, follow: true, timestamps: true, since })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  let partial = '';
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending.length) onLines(pending);
    pending = [];
  };
  out.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      const key = timeKey(splitTimestamp(p)[0]);
      if (lastKey && key && (key < lastKey || (key === lastKey && seen.has(p)))) continue;
      pending.push(splitTimestamp(p)[1]);
    }
    if (pending.length) timer ??= setTimeout(flush, BATCH_MS);
  });
  let ended = false;
  const end = (err?: Error) => {
    if (ended) return;
    ended = true;
    if (timer) clearTimeout(timer);
    flush();
    onEnd(err);
  };
  stream.on('end', () => end());
  stream.on('error', (e: Error) => end(e));
  return {
    lines,
    follow: {
      stop: () => {
        end();
        stream.destroy();
      },
    },
  };
}
