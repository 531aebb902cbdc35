// <style> elements our scripts create (xterm.js's) carry the page's CSP nonce; nothing else changes.
import { describe, expect, it } from 'vitest';
import { pageNonce, stampStyleNonces } from '../../../renderer/src/lib/csp-nonce';

interface FakeElement {
  tag: string;
  attrs: Record<string, string>;
  setAttribute(k: string, v: string): void;
}

function fakeDocument(nonce: string | null) {
  const created: FakeElement[] = [];
  const doc = {
    querySelector: (sel: string) => (sel === 'meta[property="csp-nonce"]' && nonce !== null ? { nonce } : null),
    createElement(tag: string): FakeElement {
      const el: FakeElement = { tag, attrs: {}, setAttribute: (k, v) => void (el.attrs[k] = v) };
      created.push(el);
      return el;
    },
  };
  return { doc: doc as unknown as Document, created };
}

describe('style nonce stamping', () => {
  it("reads the nonce from Vite's csp-nonce meta through .nonce", () => {
    expect(pageNonce(fakeDocument('abc').doc)).toBe('abc');
    expect(pageNonce(fakeDocument(null).doc)).toBe('');
  });

  it('stamps the nonce on <style> elements at creation, and only on them', () => {
    const { doc } = fakeDocument('n0nce');
    stampStyleNonces(doc);
    const style = doc.createElement('style') as unknown as FakeElement;
    const upper = doc.createElement('STYLE' as 'style') as unknown as FakeElement;
    const div = doc.createElement('div') as unknown as FakeElement;
    expect(style.attrs.nonce).toBe('n0nce');
    expect(upper.attrs.nonce).toBe('n0nce');
    expect(div.attrs.nonce).toBeUndefined();
  });

  it('does nothing without a nonce, and wraps createElement only once', () => {
    const bare = fakeDocument(null);
    const original = bare.doc.createElement;
    stampStyleNonces(bare.doc);
    expect(bare.doc.createElement).toBe(original);
    const { doc } = fakeDocument('n');
    stampStyleNonces(doc);
    const once = doc.createElement;
    stampStyleNonces(doc);
    expect(doc.createElement).toBe(once);
  });
});
