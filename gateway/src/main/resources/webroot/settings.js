// The settings panel. Model and sampling settings live in the conversation's metadata (string values: the server
// sends `system` to the model first and uses the others as each turn's defaults, for every client alike); a new
// chat starts with the last settings used in this browser. Colours and theme are this browser's only.

const $ = (id) => document.getElementById(id);

export const KEYS = ['model', 'system', 'temperature', 'top_p', 'top_k', 'max_tokens', 'seed'];
const DEFAULTS_STORE = 'fairway.settings';
const APPEARANCE_STORE = 'fairway.appearance';
export const DEFAULT_COLORS = { user: '#dbeafe', model: '#f1f5f4' };
const DARK_COLORS = { user: '#1e3a5f', model: '#1f2a27' };

function readJson(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

/** `jq4 (default) — loaded, 4.5 MiB, Q4, 512 ctx` */
export function modelLabel(m) {
  const facts = [m.loaded ? 'loaded' : 'not loaded'];
  if (m.size_bytes) facts.push(formatBytes(m.size_bytes));
  if (m.quantization || m.weight_type) facts.push(m.quantization || m.weight_type);
  if (m.max_model_len) facts.push(`${m.max_model_len} ctx`);
  return `${m.id}${m.default ? ' (default)' : ''} — ${facts.join(', ')}`;
}

export class Settings {
  /**
   * @param save async (metadata) => void: stores the conversation's metadata (PATCH); null while a chat is new
   */
  constructor() {
    this.saver = null;
    this.base = {};
    this.timer = 0;
    this.pending = null;
    this.status = $('settings-status');
    for (const k of KEYS) {
      const el = $(`set-${k}`);
      el.addEventListener('input', () => this.changed());
      el.addEventListener('change', () => this.changed());
    }
    $('set-model').addEventListener('change', () => this.describeModel());
  }

  /**
   * The models the server offers (GET /v1/models entries): one option each, labelled with what a user choosing
   * between them wants to know (loaded or loads on first use, size, quantization, context length).
   */
  setModels(models) {
    const select = $('set-model');
    const current = select.value;
    this.models = new Map(models.map((m) => [m.id, m]));
    select.replaceChildren(...models.map((m) => new Option(modelLabel(m), m.id)));
    if (current && this.models.has(current)) select.value = current;
    else if (current) select.append(new Option(current, current, false, true));
    this.describeModel();
  }

  /** The line under the picker: the chosen model's state in words. */
  describeModel() {
    const m = this.models?.get($('set-model').value);
    const info = $('model-info');
    if (!m) {
      info.textContent = $('set-model').value ? 'Not served by this server: the default model answers.' : '';
      return;
    }
    const facts = [];
    if (m.state === 'loaded') facts.push('Loaded');
    else if (m.state === 'loading') facts.push('Loading…');
    else if (m.state === 'failed') facts.push(`Failed to load: ${m.error || 'unknown error'}`);
    else facts.push('Loads on first use (the first reply waits for it)');
    if (m.size_bytes) facts.push(formatBytes(m.size_bytes));
    if (m.max_model_len) facts.push(`context ${m.max_model_len} tokens`);
    info.textContent = facts.join(' · ');
  }

  /** Shows a conversation's settings ({} and a saver for an existing one; null metadata for a new chat). */
  show(metadata, saver) {
    this.cancelPending();
    this.saver = saver;
    const values = metadata ?? readJson(DEFAULTS_STORE) ?? {};
    this.base = { ...(metadata || {}) };
    for (const k of KEYS) {
      const el = $(`set-${k}`);
      const v = values[k] ?? '';
      if (k === 'model') {
        if (v && ![...el.options].some((o) => o.value === v)) el.append(new Option(v, v));
        if (v) el.value = v;
        else if (el.options.length) el.selectedIndex = 0;
        this.describeModel();
      } else {
        el.value = v;
      }
    }
    this.setStatus('');
  }

  /** Valid values as metadata strings (empty ones left out), merged over the conversation's other keys. */
  metadata() {
    const out = { ...this.base };
    for (const k of KEYS) {
      const v = $(`set-${k}`).value.trim();
      if (v === '') delete out[k];
      else out[k] = v;
    }
    return out;
  }

  invalid() {
    for (const k of KEYS) {
      const el = $(`set-${k}`);
      if (!el.checkValidity()) return el;
    }
    return null;
  }

  changed() {
    const bad = this.invalid();
    if (bad) {
      this.setStatus(`${bad.labels[0].textContent}: ${bad.validationMessage}`, true);
      this.cancelPending();
      return;
    }
    const metadata = this.metadata();
    const defaults = {};
    for (const k of KEYS) if (metadata[k] !== undefined) defaults[k] = metadata[k];
    localStorage.setItem(DEFAULTS_STORE, JSON.stringify(defaults));
    if (!this.saver) {
      this.setStatus('Used for this new chat once you send.');
      return;
    }
    this.setStatus('Saving…');
    clearTimeout(this.timer);
    this.pending = metadata;
    this.timer = setTimeout(() => this.flush(), 500);
  }

  /** Saves now whatever is waiting (before a message is sent, so the turn uses it). */
  async flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    const metadata = this.pending;
    this.pending = null;
    if (!metadata || !this.saver) return;
    try {
      const updated = await this.saver(metadata);
      if (updated && updated.metadata) this.base = { ...updated.metadata };
      this.setStatus('Saved with this conversation.');
    } catch (e) {
      this.setStatus(`Not saved: ${e.message}`, true);
      throw e;
    }
  }

  cancelPending() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.pending = null;
  }

  setStatus(text, error = false) {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }
}

/** Colours of the two speakers and the theme, kept in this browser. */
export class Appearance {
  constructor() {
    this.values = { theme: 'system', user: '', model: '', ...(readJson(APPEARANCE_STORE) || {}) };
    $('set-theme').addEventListener('change', (e) => this.set({ theme: e.target.value }));
    $('set-user-color').addEventListener('input', (e) => this.set({ user: e.target.value }));
    $('set-model-color').addEventListener('input', (e) => this.set({ model: e.target.value }));
    $('reset-colors').addEventListener('click', () => this.set({ user: '', model: '' }));
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.apply());
    this.apply();
  }

  set(change) {
    Object.assign(this.values, change);
    localStorage.setItem(APPEARANCE_STORE, JSON.stringify(this.values));
    this.apply();
  }

  dark() {
    return this.values.theme === 'dark' || (this.values.theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  }

  apply() {
    const root = document.documentElement;
    root.dataset.theme = this.dark() ? 'dark' : 'light';
    const defaults = this.dark() ? DARK_COLORS : DEFAULT_COLORS;
    const user = this.values.user || defaults.user;
    const model = this.values.model || defaults.model;
    // CSSOM, not a style attribute: allowed by the page's Content-Security-Policy
    root.style.setProperty('--user-bg', user);
    root.style.setProperty('--user-ink', ink(user));
    root.style.setProperty('--model-bg', model);
    root.style.setProperty('--model-ink', ink(model));
    $('set-theme').value = this.values.theme;
    $('set-user-color').value = user;
    $('set-model-color').value = model;
  }
}

/** Black or white text, whichever reads better on the background. */
function ink(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!m) return 'inherit';
  const n = Number.parseInt(m[1], 16);
  const channel = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  return l > 0.4 ? '#111418' : '#f5f7f8';
}
