// The page's CSP allows no inline styles except <style> elements carrying this page load's nonce
// (electron/api/renderer-page.ts). xterm.js's DOM renderer creates <style> elements for its row sizes
// and theme and has no nonce option, so the <style> elements our scripts create get the nonce stamped
// at creation, before insertion (a nonce added later does not count). Markup injected into the page
// does not go through createElement, so its styles stay blocked.

type StyleDocument = Pick<Document, 'querySelector' | 'createElement'>;

const stamped = new WeakSet<object>();

/** The nonce Vite's <meta property="csp-nonce"> carries (read through .nonce: browsers hide the
 *  attribute's value once the policy came as a header). */
export function pageNonce(doc: Pick<Document, 'querySelector'>): string {
  return doc.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
}

/** Makes doc.createElement('style') return elements carrying the page's nonce. Once per document. */
export function stampStyleNonces(doc: StyleDocument = document): void {
  const nonce = pageNonce(doc);
  if (!nonce || stamped.has(doc)) return;
  stamped.add(doc);
  const create = doc.createElement.bind(doc) as (tag: string, options?: ElementCreationOptions) => HTMLElement;
  doc.createElement = ((tag: string, options?: ElementCreationOptions) => {
    const el = create(tag, options);
    if (tag.toLowerCase() === 'style') el.setAttribute('nonce', nonce);
    return el;
  }) as Document['createElement'];
}
