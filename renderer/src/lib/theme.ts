// Light or dark: the system's choice (prefers-color-scheme) unless the user picked one, remembered in
// this browser. The stylesheet does the rest from <html data-theme>.

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'prodlike.theme';

export function readTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Storage off (private mode): the choice lasts for this page.
  }
}
