import { describe, expect, it } from 'vitest';
import { sliceSpans } from '../../../renderer/src/state/ansi';
import { LogBuffer } from '../../../renderer/src/state/log-buffer';
import { LogView, plainText } from '../../../renderer/src/state/log-view';

function texts(v: LogView): string[] {
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const r = v.row(i)!;
    out.push(plainText(r.line.text).slice(r.start, r.end === Infinity ? undefined : r.end));
  }
  return out;
}

describe('LogView', () => {
  it('without a filter is the buffer itself', () => {
    const b = new LogBuffer();
    b.append('a\nb', 'stdout', 'web');
    const v = new LogView(b);
    expect(v.length).toBe(2);
    b.append('c', 'stdout', 'db');
    expect(texts(v)).toEqual(['a', 'b', 'c']);
  });

  it('filters by machine and by search text, growing with the log', () => {
    const b = new LogBuffer();
    b.append('Unpacking nginx\nSetting up nginx', 'stdout', 'web');
    b.append('Unpacking postgresql', 'stdout', 'db');
    const v = new LogView(b);
    v.setOptions({ machine: 'web' });
    expect(texts(v)).toEqual(['Unpacking nginx', 'Setting up nginx']);
    b.append('done web', 'stdout', 'web');
    b.append('done db', 'stdout', 'db');
    expect(texts(v)).toEqual(['Unpacking nginx', 'Setting up nginx', 'done web']);
    v.setOptions({ query: 'UNPACKING' });
    expect(texts(v)).toEqual(['Unpacking nginx', 'Unpacking postgresql']);
    v.setOptions({ machine: 'db', query: 'done' });
    expect(texts(v)).toEqual(['done db']);
  });

  it('searches the text a person sees, not the colour codes', () => {
    const b = new LogBuffer();
    b.append('\u001b[32mok\u001b[0m: 31m apples', 'stdout');
    b.append('plain', 'stdout');
    const v = new LogView(b);
    v.setOptions({ query: '32m' });
    expect(v.length).toBe(0);
    v.setOptions({ query: 'ok: 31' });
    expect(v.length).toBe(1);
  });

  it('wraps a long line into rows of the pane width', () => {
    const b = new LogBuffer();
    b.append('0123456789abcdefghij-xyz', 'stdout');
    b.append('short', 'stdout');
    const v = new LogView(b);
    v.setOptions({ wrapCols: 10 });
    expect(texts(v)).toEqual(['0123456789', 'abcdefghij', '-xyz', 'short']);
    expect(v.row(1)).toMatchObject({ index: 0, start: 10, end: 20 });
    // Copy gives each line once, whole.
    expect(v.text()).toBe('0123456789abcdefghij-xyz\nshort');
  });

  it('follows the buffer when it drops its oldest lines', () => {
    const b = new LogBuffer(100);
    const v = new LogView(b);
    v.setOptions({ query: 'keep' });
    for (let i = 0; i < 95; i++) b.append(i % 10 === 0 ? `keep ${i}` : `skip ${i}`, 'stdout');
    expect(texts(v)).toEqual(['keep 0', 'keep 10', 'keep 20', 'keep 30', 'keep 40', 'keep 50', 'keep 60', 'keep 70', 'keep 80', 'keep 90']);
    for (let i = 95; i < 130; i++) b.append(i % 10 === 0 ? `keep ${i}` : `skip ${i}`, 'stdout');
    expect(b.dropped).toBeGreaterThan(0);
    const kept = texts(v);
    expect(kept[kept.length - 1]).toBe('keep 120');
    // Exactly the matching lines still in the buffer, in order, none of the dropped ones.
    const expected: string[] = [];
    for (let i = 0; i < b.length; i++) if (b.at(i)!.text.startsWith('keep')) expected.push(b.at(i)!.text);
    expect(kept).toEqual(expected);
  });

  it('filters a 100,000-line log in well under a second, and then only looks at new lines', () => {
    const b = new LogBuffer();
    let expected = 0;
    for (let i = 0; i < 100_000; i++) {
      b.append(`\u001b[32mline\u001b[0m ${i} unpacking package-${i % 500} done`, 'stdout', i % 2 ? 'web' : 'db');
      if (i % 500 === 42) expected++;
    }
    const v = new LogView(b);
    v.setOptions({ query: 'package-42 ', machine: 'db' });
    const t = performance.now();
    expect(v.length).toBe(expected);
    expect(performance.now() - t).toBeLessThan(300);
    b.append('package-42 late', 'stdout', 'db');
    // Only the new line is looked at: count the reads of the buffer.
    let reads = 0;
    const at = b.at.bind(b);
    b.at = (i: number) => {
      reads++;
      return at(i);
    };
    expect(v.length).toBe(expected + 1);
    expect(reads).toBe(1);
  });
});

describe('sliceSpans', () => {
  it('cuts coloured spans at character offsets', () => {
    const spans = [{ text: 'abc', color: 'red' }, { text: 'defg' }];
    expect(sliceSpans(spans, 2, 5)).toEqual([{ text: 'c', color: 'red' }, { text: 'de' }]);
    expect(sliceSpans(spans, 0, Infinity)).toBe(spans);
  });
});
