// A 16×16 tray icon, inline so the tray works without an assets folder next to the bundle.
export const TRAY_ICON_DATA_URL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAM0lEQVR42mNgGJRAO+fKf2yYaI24AEGDYJpxuQAmR5ZmgoaMGkAFAyiORqokJIqT8oAAAPyYV2AGKSpkAAAAAElFTkSuQmCC';
