// Polling for a condition a test waits on (a process to exit, a socket to appear, a run to show up).

/** Resolves with f()'s first value that is not undefined or false; throws after `ms`, with `context()` appended. */
export async function waitFor<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      const more = context();
      throw new Error(`timed out waiting for ${what}${more ? `; ${more}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
