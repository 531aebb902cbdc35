import { describe, expect, it } from 'vitest';
import { LogBuffer } from '../../../renderer/src/state/log-buffer';
import { AnsiCache, parseAnsi, stripAnsi } from '../../../renderer/src/state/ansi';

describe('LogBuffer', () => {
  it('splits a chunk into lines and does not make a row of a trailing newline', () => {
    const b = new LogBuffer();
    b.append('one\ntwo\r\nthree\n', 'stdout', 'web');
    expect(b.length).toBe(3);
    expect(b.at(1)).toEqual({ text: 'two', stream: 'stdout', machine: 'web' });
  });

  it('bumps its version on every append so views know to redraw', () => {
    const b = new LogBuffer();
    const v = b.version;
    b.append('x', 'info');
    expect(b.version).toBe(v + 1);
  });

  it('keeps memory bounded: past the cap the oldest lines go and are counted', () => {
    const b = new LogBuffer(1000);
    for (let i = 0; i < 1500; i++) b.append(`line ${i}`, 'stdout');
    expect(b.length).toBeLessThanOrEqual(1000);
    expect(b.dropped + b.length).toBe(1500);
    expect(b.at(b.length - 1)?.text).toBe('line 1499');
    expect(b.at(0)?.text).toBe(`line ${b.dropped}`);
  });

  it('appends 100,000 lines in well under a second', () => {
    const b = new LogBuffer();
    const t = performance.now();
    for (let i = 0; i < 100_000; i++) b.append(`\u001b[32mok\u001b[0m resource ${i}`, 'stdout', 'web');
    expect(performance.now() - t).toBeLessThan(1000);
    expect(b.length).toBe(100_000);
  });
});

describe('ANSI parsing', () => {
  it('leaves plain text as one span', () => {
    expect(parseAnsi('plain')).toEqual([{ text: 'plain' }]);
  });

  it('turns SGR colours and bold into styled spans', () => {
    const spans = parseAnsi('\u001b[1;31mfailed\u001b[0m: nginx');
    expect(spans[0]).toMatchObject({ text: 'failed', bold: true });
    expect(spans[0]?.color).toMatch(/^rgb\(/);
    expect(spans[1]).toEqual({ text: ': nginx' });
  });

  it('strips escapes for copying', () => {
    expect(stripAnsi('\u001b[32mok\u001b[0m done')).toBe('ok done');
  });

  it('caches parsed rows', () => {
    const c = new AnsiCache(2);
    const a = c.get('\u001b[31mred\u001b[0m');
    expect(c.get('\u001b[31mred\u001b[0m')).toBe(a);
  });
});
