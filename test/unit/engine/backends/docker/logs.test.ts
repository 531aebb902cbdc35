import { describe, expect, it } from 'vitest';
import { demuxLogs, splitTimestamp, timeKey } from '../../../../../electron/engine/backends/docker/logs.js';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('container logs', () => {
  it("joins Docker's multiplexed frames, and passes a TTY container's raw log through", () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'out one\n'), frame(2, 'err two\n')]))).toBe('out one\nerr two\n');
    expect(demuxLogs(Buffer.from('plain tty text\n'))).toBe('plain tty text\n');
  });

  it('splits the timestamp off a line', () => {
    expect(splitTimestamp('2024-05-01T10:00:00.5Z hello world')).toEqual(['2024-05-01T10:00:00.5Z', 'hello world']);
    expect(splitTimestamp('no stamp here')).toEqual(['', 'no stamp here']);
  });

  it('orders timestamps whose trailing zeros Docker trimmed', () => {
    const a = timeKey('2024-05-01T10:00:00.5Z');
    const b = timeKey('2024-05-01T10:00:00.123456789Z');
    const c = timeKey('2024-05-01T10:00:00Z');
    expect(b < a).toBe(true);
    expect(c < b).toBe(true);
    expect(timeKey('2024-05-01T10:00:01.000000001Z') > a).toBe(true);
  });
});
