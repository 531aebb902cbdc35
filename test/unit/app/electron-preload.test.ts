// The preload exposes window.prodlike = { call, subscribe } and nothing of Electron: no ipcRenderer, no
// way to name a channel the API contract does not have.
import { describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoked: [] as string[],
  listening: [] as string[],
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void h.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (channel: string) => (h.invoked.push(channel), { result: 'ok' }),
    on: (channel: string) => void h.listening.push(channel),
    removeListener: () => undefined,
  },
}));

await import('../../../electron/preload/preload');

describe('preload', () => {
  const api = () => h.exposed.get('prodlike') as { call(c: string, r: unknown): Promise<unknown>; subscribe(l: () => void): () => void };

  it('exposes only window.prodlike, with only call and subscribe, both plain functions', () => {
    expect([...h.exposed.keys()]).toEqual(['prodlike']);
    expect(Object.keys(api()).sort()).toEqual(['call', 'subscribe']);
    expect(Object.values(api()).every((f) => typeof f === 'function')).toBe(true);
  });

  it('invokes only channels of the API contract', async () => {
    await expect(api().call('profiles:list', null)).resolves.toBe('ok');
    await expect(api().call('prodlike:push', null)).rejects.toMatchObject({ name: 'UnknownChannelError' });
    await expect(api().call('ELECTRON_BROWSER_REQUIRE', null)).rejects.toMatchObject({ name: 'UnknownChannelError' });
    expect(h.invoked).toEqual(['profiles:list']);
  });

  it('listens only on the push channel', () => {
    api().subscribe(() => undefined)();
    expect(h.listening).toEqual(['prodlike:push']);
  });
});
