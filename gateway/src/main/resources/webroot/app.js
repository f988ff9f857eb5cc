// Fairway's web chat. Everything here goes through the public HTTP API (api.js), as any SDK would.
import { Api, ApiError } from './api.js';
import { MarkdownView, renderMarkdown } from './render.js';
import { Appearance, Settings } from './settings.js';

const $ = (id) => document.getElementById(id);
const api = new Api();
const AUTH_STORE = 'fairway.auth';
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const PAGE_SIZE = 30;

const state = {
  mode: null, // 'open' (names) or 'keys'
  conversations: [], // summaries in the sidebar, newest first
  cursor: null,
  hasMore: false,
  filter: '',
  listSeq: 0,
  current: { id: null, title: null, metadata: null }, // id null: a new chat, created on its first message
  openSeq: 0,
  turn: null, // the reply streaming now: { conversationId, controller, stopped }
  turnsEnded: 0, // turns over (replied, stopped or refused): lets tests and tools wait for one
};

let settings;
let appearance;

// ---- sign-in

function savedAuth() {
  for (const store of [sessionStorage, localStorage]) {
    try {
      const v = JSON.parse(store.getItem(AUTH_STORE) || 'null');
      if (v) return v;
    } catch {
      // ignore a damaged entry
    }
  }
  return null;
}

function saveAuth(auth, remember) {
  clearAuth();
  (remember ? localStorage : sessionStorage).setItem(AUTH_STORE, JSON.stringify(auth));
}

function clearAuth() {
  sessionStorage.removeItem(AUTH_STORE);
  localStorage.removeItem(AUTH_STORE);
}

function useAuth(auth) {
  api.key = auth && auth.key ? auth.key : null;
  api.user = auth && auth.user ? auth.user : null;
}

function showSignIn(error = '') {
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-user').hidden = state.mode !== 'open';
  $('signin-key').hidden = state.mode !== 'keys';
  $('signin-error').textContent = error;
  const field = state.mode === 'keys' ? $('signin-apikey') : $('signin-name');
  field.focus();
}

async function signIn(event) {
  event.preventDefault();
  const error = $('signin-error');
  error.textContent = '';
  const remember = $('signin-remember').checked;
  let auth;
  if (state.mode === 'open') {
    const name = $('signin-name').value.trim();
    if (name && !USER_NAME.test(name)) {
      error.textContent = "Names are 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.";
      return;
    }
    auth = { mode: 'open', user: name || null };
  } else {
    const key = $('signin-apikey').value.trim();
    if (!key) {
      error.textContent = 'Enter your API key.';
      return;
    }
    auth = { mode: 'keys', key };
  }
  useAuth(auth);
  $('signin-submit').disabled = true;
  try {
    await api.listConversations({ limit: 1 }); // the server checks the key (or the name)
  } catch (e) {
    useAuth(null);
    error.textContent = e.status === 401 ? 'That API key was refused. Check it and try again.' : e.message;
    return;
  } finally {
    $('signin-submit').disabled = false;
  }
  saveAuth(auth, remember);
  $('signin-apikey').value = '';
  await enterApp();
}

function signOut() {
  if (state.turn) state.turn.controller.abort();
  clearAuth();
  useAuth(null);
  state.conversations = [];
  state.current = { id: null, title: null, metadata: null };
  history.replaceState(null, '', '/');
  $('messages').replaceChildren();
  $('conversation-list').replaceChildren();
  showSignIn();
}

async function enterApp() {
  $('signin').hidden = true;
  $('app').hidden = false;
  $('signed-in-as').textContent = state.mode === 'open'
    ? `Signed in as ${api.user || 'local'}`
    : `Signed in with key …${api.key.slice(-4)}`;
  try {
    await refreshModels();
  } catch (e) {
    if (handleAuthFailure(e)) return;
  }
  loadList(true);
  await route(true);
  $('composer-input').focus();
}

/** Fills the model picker from GET /v1/models (which also finds models newly put in --models-dir). */
async function refreshModels() {
  const models = await api.models();
  settings.setModels(models.data);
}

/** A 401 after signing in: the key was revoked (or the server gained users). Back to the sign-in form. */
function handleAuthFailure(e) {
  if (!(e instanceof ApiError) || e.status !== 401) return false;
  clearAuth();
  useAuth(null);
  state.mode = 'keys';
  showSignIn('Your API key was refused (401): it may have been revoked. Sign in again.');
  return true;
}

// ---- sidebar: conversations

async function loadList(reset) {
  const seq = ++state.listSeq;
  if (reset) {
    state.cursor = null;
    state.hasMore = false;
  }
  $('list-status').textContent = 'Loading…';
  try {
    const page = await api.listConversations({ after: reset ? null : state.cursor, q: state.filter, limit: PAGE_SIZE });
    if (seq !== state.listSeq) return;
    // the cursor is a conversation: one that moved to the top since (a new message) would come again, so skip repeats
    const shown = new Set(reset ? [] : state.conversations.map(c => c.id));
    state.conversations = reset ? page.data : state.conversations.concat(page.data.filter(c => !shown.has(c.id)));
    state.cursor = page.last_id || state.cursor;
    state.hasMore = page.has_more;
    $('list-status').textContent = state.conversations.length ? ''
      : state.filter ? 'No conversation title matches.' : 'No conversations yet.';
  } catch (e) {
    if (seq !== state.listSeq) return;
    if (handleAuthFailure(e)) return;
    if (!reset && e.status === 400 && e.param === 'after') return loadList(true); // the cursor's conversation was deleted
    $('list-status').textContent = `Could not load conversations: ${e.message}`;
  }
  renderList();
}

function timeLabel(seconds) {
  const d = new Date(seconds * 1000);
  const ago = (Date.now() - d.getTime()) / 1000;
  if (ago < 60) return 'just now';
  if (ago < 3600) return `${Math.floor(ago / 60)} min ago`;
  if (ago < 86400) return `${Math.floor(ago / 3600)} h ago`;
  return d.toLocaleDateString();
}

function displayTitle(c) {
  return (c.title && c.title.trim()) || (c.preview && c.preview.slice(0, 60)) || 'Untitled';
}

function renderList() {
  const list = $('conversation-list');
  list.replaceChildren(...state.conversations.map(listItem));
  $('load-more').hidden = !state.hasMore;
}

function listItem(c) {
  const li = document.createElement('li');
  li.className = 'conversation';
  li.dataset.id = c.id;
  const open = document.createElement('a');
  open.className = 'conversation-open';
  open.href = `#/c/${c.id}`;
  if (c.id === state.current.id) open.setAttribute('aria-current', 'page');
  const title = document.createElement('span');
  title.className = 'conversation-title';
  title.textContent = displayTitle(c);
  const when = document.createElement('time');
  when.className = 'conversation-time';
  when.dateTime = new Date(c.updated_at * 1000).toISOString();
  when.textContent = timeLabel(c.updated_at);
  open.append(title, when);
  open.addEventListener('click', () => closeDrawers());

  const rename = iconButton('✎', `Rename “${displayTitle(c)}”`, 'rename');
  rename.addEventListener('click', () => startRename(li, c));
  const del = iconButton('×', `Delete “${displayTitle(c)}”`, 'delete');
  del.addEventListener('click', () => deleteConversation(c));
  li.append(open, rename, del);
  return li;
}

function iconButton(symbol, label, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `icon-button small ${cls}`;
  b.textContent = symbol;
  b.setAttribute('aria-label', label);
  b.title = label;
  return b;
}

function startRename(li, c) {
  const input = document.createElement('input');
  input.className = 'rename-input';
  input.value = c.title || '';
  input.maxLength = 512;
  input.setAttribute('aria-label', 'New title (Enter saves, Esc cancels)');
  li.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = async (save) => {
    if (done) return;
    done = true;
    const title = input.value.trim();
    if (save && title && title !== c.title) {
      try {
        const updated = await api.updateConversation(c.id, { title });
        Object.assign(c, { title: updated.title, updated_at: updated.updated_at });
        if (c.id === state.current.id) setTitle(updated.title);
      } catch (e) {
        if (handleAuthFailure(e)) return;
        showNotice(`Could not rename: ${e.message}`);
      }
    }
    renderList();
    const again = document.querySelector(`.conversation[data-id="${CSS.escape(c.id)}"] .rename`);
    if (again) again.focus();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      finish(true);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      finish(false);
    }
  });
  input.addEventListener('blur', () => finish(true));
}

function confirmDialog(text, okLabel) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    const done = (ok) => {
      $('confirm-ok').onclick = null;
      $('confirm-cancel').onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(ok);
    };
    $('confirm-ok').onclick = () => done(true);
    $('confirm-cancel').onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}

async function deleteConversation(c) {
  if (!(await confirmDialog(`Delete “${displayTitle(c)}” and all its messages? This cannot be undone.`, 'Delete'))) return;
  try {
    await api.deleteConversation(c.id);
  } catch (e) {
    if (handleAuthFailure(e)) return;
    if (e.status !== 404) {
      showNotice(`Could not delete: ${e.message}`);
      return;
    }
  }
  state.conversations = state.conversations.filter((x) => x.id !== c.id);
  renderList();
  if (c.id === state.current.id) location.hash = '';
  $('new-chat').focus();
}

/** After a turn or a settings change the conversation is the newest: move it to the top of the list. */
function bumpInList(conversation) {
  state.conversations = state.conversations.filter((x) => x.id !== conversation.id);
  const matches = !state.filter || (conversation.title || '').toLowerCase().includes(state.filter.toLowerCase());
  if (matches) state.conversations.unshift(conversation);
  renderList();
}

// ---- opening a conversation

/** #/c/ID opens a conversation; no hash is a new chat (other fragments are left alone). */
async function route(initial = false) {
  const m = /^#\/c\/([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) await openConversation(m[1]);
  else if (initial || location.hash === '' || location.hash === '#') newChat();
}

function newChat() {
  state.openSeq += 1;
  state.current = { id: null, title: null, metadata: null };
  setTitle(null);
  settings.show(null, null);
  $('messages').replaceChildren(emptyHint());
  hideNotice();
  renderList();
  updateComposer();
}

function emptyHint() {
  const p = document.createElement('p');
  p.className = 'empty-hint';
  p.textContent = 'Type a message below to start. Settings (model, system prompt, sampling) are in the side panel.';
  return p;
}

function setTitle(title) {
  $('chat-title').textContent = title || 'New chat';
  document.title = title ? `${title} · Fairway` : 'Fairway';
}

async function openConversation(id) {
  const seq = ++state.openSeq;
  hideNotice();
  let c;
  try {
    c = await api.getConversation(id);
  } catch (e) {
    if (seq !== state.openSeq) return;
    if (handleAuthFailure(e)) return;
    newChat();
    showNotice(e.status === 404 ? 'That conversation does not exist (or is not yours).' : `Could not open it: ${e.message}`);
    return;
  }
  if (seq !== state.openSeq) return;
  adopt(c);
  const box = $('messages');
  box.replaceChildren(...c.messages.map((m) => messageView(m.role, m.content, { status: m.status }).el));
  if (state.turn && state.turn.conversationId === c.id && state.turn.view) {
    // the reply still streaming here (the user looked elsewhere meanwhile): show it live again
    if (!c.messages.length || c.messages[c.messages.length - 1].role !== 'user') box.append(state.turn.userEl);
    box.append(state.turn.assistantEl);
  }
  refreshActions();
  renderList();
  updateComposer();
  scrollToEnd(true);
}

function adopt(c) {
  state.current = { id: c.id, title: c.title, metadata: c.metadata || {} };
  setTitle(displayTitle(c));
  settings.show(c.metadata || {}, (metadata) => saveMetadata(c.id, metadata));
}

async function saveMetadata(id, metadata) {
  try {
    const updated = await api.updateConversation(id, { metadata });
    if (state.current.id === id) state.current.metadata = updated.metadata;
    bumpInList(summaryOf(updated));
    return updated;
  } catch (e) {
    handleAuthFailure(e);
    throw e;
  }
}

function summaryOf(c) {
  const { messages, ...summary } = c;
  return summary;
}

// ---- messages

function messageView(role, text, { status, streaming } = {}) {
  const el = document.createElement('article');
  el.className = `message ${role === 'user' ? 'from-user' : 'from-model'}`;
  el.setAttribute('aria-label', role === 'user' ? 'You said' : 'The model said');
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : 'Model';
  const body = document.createElement('div');
  body.className = role === 'user' ? 'body plain' : 'body markdown';
  if (role === 'user') body.textContent = text;
  else if (!streaming) renderMarkdown(body, text);
  const meta = document.createElement('div');
  meta.className = 'meta';
  const info = document.createElement('span');
  info.className = 'info';
  if (status === 'partial') info.textContent = 'Stopped early (partial reply)';
  const actions = document.createElement('span');
  actions.className = 'actions';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'link-button copy';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', role === 'user' ? 'Copy your message' : 'Copy the reply');
  copy.addEventListener('click', () => copyText(view.text(), copy));
  actions.append(copy);
  meta.append(info, actions);
  el.append(who, body, meta);
  const view = { el, body, info, actions, role, raw: text, text: () => view.raw };
  el.fairway = view;
  return view;
}

async function copyText(text, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.className = 'offscreen';
    document.body.append(area);
    area.select();
    ok = document.execCommand('copy');
    area.remove();
  }
  const before = button.textContent;
  button.textContent = ok ? 'Copied' : 'Copy failed';
  setTimeout(() => { button.textContent = before; }, 1500);
}

/** Regenerate is offered on the last reply, when nothing streams. */
function refreshActions() {
  for (const b of document.querySelectorAll('#messages .regenerate')) b.remove();
  if (state.turn || !state.current.id) return;
  const last = $('messages').lastElementChild;
  if (!last || !last.fairway || last.fairway.role !== 'assistant') return;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'link-button regenerate';
  b.textContent = 'Regenerate';
  b.setAttribute('aria-label', 'Regenerate this reply');
  b.addEventListener('click', regenerate);
  last.fairway.actions.append(b);
}

function scrollToEnd(force) {
  const box = $('messages');
  const near = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (force || near) box.scrollTop = box.scrollHeight;
}

// ---- sending and streaming

function titleFrom(text) {
  const line = text.trim().split('\n')[0];
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

async function send() {
  const input = $('composer-input');
  const text = input.value;
  if (state.turn || !text.trim()) return;
  hideNotice();
  const bad = settings.invalid();
  if (bad) {
    showNotice(`Fix the setting “${bad.labels[0].textContent}” first: ${bad.validationMessage}`);
    return;
  }
  const conversationId = state.current.id;
  let id = conversationId;
  input.value = '';
  const userView = messageView('user', text);
  if (!id) $('messages').replaceChildren();
  $('messages').append(userView.el);
  scrollToEnd(true);
  try {
    if (id) {
      await settings.flush();
    } else {
      const created = await api.createConversation({ title: titleFrom(text), metadata: settings.metadata() });
      id = created.id;
      adopt(created);
      history.replaceState(null, '', `#/c/${id}`);
      bumpInList(summaryOf(created));
    }
  } catch (e) {
    notSent(userView, text, e);
    state.turnsEnded += 1;
    return;
  }
  await runTurn(id, { content: text }, userView, text);
}

async function regenerate() {
  if (state.turn || !state.current.id) return;
  hideNotice();
  const box = $('messages');
  const last = box.lastElementChild;
  if (last && last.fairway && last.fairway.role === 'assistant') last.remove();
  try {
    await settings.flush();
  } catch (e) {
    showNotice(e.message);
    return;
  }
  await runTurn(state.current.id, { regenerate: true }, null, null);
}

/** The turn was refused before anything was stored: say why, give the text back. */
function notSent(userView, text, e) {
  userView.el.classList.add('not-sent');
  userView.info.textContent = 'Not sent';
  const input = $('composer-input');
  if (!input.value) input.value = text;
  if (!handleAuthFailure(e)) showNotice(explain(e));
}

function explain(e) {
  if (!(e instanceof ApiError)) return `Something went wrong: ${e.message}`;
  if (e.status === 0) return 'Cannot reach the server. Is it still running?';
  if (e.code === 'context_length_exceeded') {
    return `This conversation is too long for the model's context. Start a new chat or shorten your message. (${e.message})`;
  }
  if (e.status === 409) return 'Another reply to this conversation is still being written; try again in a moment.';
  if (e.status === 503) return `The server is not available right now: ${e.message}`;
  if (e.status === 404 && e.code === 'conversation_not_found') return 'This conversation was deleted.';
  return e.message;
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('Aborted', 'AbortError'));
    }, { once: true });
  });
}

async function runTurn(conversationId, body, userView, text) {
  const controller = new AbortController();
  const assistant = messageView('assistant', '', { streaming: true });
  assistant.el.classList.add('waiting');
  assistant.el.setAttribute('aria-busy', 'true');
  assistant.info.textContent = 'Waiting for the model…';
  const view = new MarkdownView(assistant.body);
  assistant.text = () => view.text;
  const turn = { conversationId, controller, view, assistantEl: assistant.el, userEl: userView ? userView.el : null };
  state.turn = turn;
  updateComposer();
  refreshActions();
  const here = () => state.current.id === conversationId;
  if (here()) {
    $('messages').append(assistant.el);
    scrollToEnd(true);
  }

  let t0 = performance.now();
  let first = null;
  let chunks = 0;
  let usage = null;
  let model = null;
  let finish = null;
  let outcome = 'done';
  let error = null;
  for (;;) {
    try {
      for await (const chunk of api.streamTurn(conversationId, body, controller.signal)) {
        if (chunk.usage) usage = chunk.usage;
        if (chunk.model) model = chunk.model;
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta && choice.delta.content;
        if (delta) {
          chunks += 1;
          view.append(delta);
          if (first === null) {
            first = performance.now();
            assistant.el.classList.remove('waiting');
            assistant.info.textContent = '';
            view.renderNow();
          }
          if (here()) scrollToEnd(false);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    } catch (e) {
      if (e.name === 'AbortError') {
        outcome = 'stopped';
      } else if (e instanceof ApiError && e.status === 429 && first === null) {
        // nothing was stored: wait as the server asks, then send the same turn again
        const seconds = Math.max(1, e.retryAfter || 1);
        try {
          for (let s = seconds; s > 0; s -= 1) {
            assistant.info.textContent = `Server busy, retrying in ${s} s…`;
            showNotice(`Server busy, retrying in ${s} s (Esc cancels).`, 'busy');
            await wait(1000, controller.signal);
          }
        } catch {
          outcome = 'cancelled';
          break;
        }
        hideNotice();
        assistant.info.textContent = 'Waiting for the model…';
        t0 = performance.now();
        continue;
      } else {
        outcome = 'failed';
        error = e;
      }
    }
    break;
  }
  const end = performance.now();
  state.turn = null;
  assistant.el.removeAttribute('aria-busy');
  assistant.el.classList.remove('waiting');

  if ((outcome === 'failed' && first === null) || outcome === 'cancelled') {
    // refused before the stream opened (or a retry cancelled): nothing new was stored
    assistant.el.remove();
    if (userView) notSent(userView, text, error || new Error('Cancelled while waiting to retry.'));
    else if (error && !handleAuthFailure(error)) showNotice(explain(error));
    if (outcome === 'cancelled') showNotice('Cancelled: the message was not sent.');
  } else {
    view.finish();
    const tokens = usage ? usage.completion_tokens : chunks;
    const parts = [];
    if (first !== null) {
      if (model && settings.models && settings.models.size > 1) parts.push(model);
      parts.push(`TTFT ${Math.round(first - t0)} ms`, `${tokens} tokens`);
      const seconds = (end - first) / 1000;
      if (tokens > 1 && seconds > 0) parts.push(`${((tokens - 1) / seconds).toFixed(1)} tok/s`);
    }
    if (outcome === 'stopped') parts.unshift('Stopped (partial reply saved)');
    else if (outcome === 'failed') parts.unshift('Interrupted');
    else if (finish === 'length') parts.push('max tokens reached');
    assistant.info.textContent = parts.join(' · ');
    if (outcome === 'failed' && !handleAuthFailure(error)) showNotice(`The reply was cut off: ${explain(error)}`);
    if (outcome === 'stopped') syncStopped(conversationId, assistant, view);
  }
  state.turnsEnded += 1;
  updateComposer();
  refreshModels().catch(() => {}); // the model just used is loaded now, another may have been unloaded
  refreshActions();
  const summary = state.conversations.find((x) => x.id === conversationId);
  if (summary) bumpInList({ ...summary, updated_at: Math.floor(Date.now() / 1000) });
  if (here()) $('composer-input').focus();
}

/** A stopped reply is stored as partial once the server saw the disconnect: show what it stored. */
async function syncStopped(conversationId, assistant, view) {
  for (let i = 0; i < 20; i += 1) {
    await new Promise((r) => setTimeout(r, 150));
    if (state.turn && state.turn.conversationId === conversationId) return;
    let c;
    try {
      c = await api.getConversation(conversationId);
    } catch {
      return;
    }
    const last = c.messages[c.messages.length - 1];
    if (last && last.role === 'assistant' && last.status === 'partial') {
      view.finish(last.content);
      assistant.el.dataset.status = 'partial';
      return;
    }
  }
}

function stop() {
  if (state.turn) state.turn.controller.abort();
}

function updateComposer() {
  const busy = !!state.turn;
  $('send').hidden = busy;
  $('stop').hidden = !busy;
  $('send').disabled = busy;
}

// ---- notices, drawers, keyboard

function showNotice(text, kind = 'error') {
  const n = $('chat-notice');
  n.textContent = text;
  n.dataset.kind = kind;
  n.hidden = false;
}

function hideNotice() {
  $('chat-notice').hidden = true;
  $('chat-notice').textContent = '';
}

function toggleDrawer(name, open) {
  const panel = $(name);
  const button = $(name === 'sidebar' ? 'toggle-sidebar' : 'toggle-settings');
  const show = open ?? !panel.classList.contains('open');
  closeDrawers();
  if (!show) return;
  panel.classList.add('open');
  button.setAttribute('aria-expanded', 'true');
  $('scrim').hidden = false;
  const first = panel.querySelector('button, input, select, textarea, a[href]');
  if (first) first.focus();
}

function closeDrawers() {
  let closed = false;
  for (const name of ['sidebar', 'settings']) {
    if ($(name).classList.contains('open')) closed = true;
    $(name).classList.remove('open');
    $(name === 'sidebar' ? 'toggle-sidebar' : 'toggle-settings').setAttribute('aria-expanded', 'false');
  }
  $('scrim').hidden = true;
  return closed;
}

function wire() {
  $('signin-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('new-chat').addEventListener('click', () => {
    closeDrawers();
    if (location.hash) location.hash = '';
    else newChat();
    $('composer-input').focus();
  });
  $('load-more').addEventListener('click', () => loadList(false));
  let filterTimer = 0;
  $('filter').addEventListener('input', (e) => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      state.filter = e.target.value.trim();
      loadList(true);
    }, 250);
  });
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  $('composer-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  $('stop').addEventListener('click', stop);
  document.querySelector('.skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    $('composer-input').focus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || $('confirm-dialog').open) return;
    if (state.turn) {
      e.preventDefault();
      stop();
    } else if (closeDrawers()) {
      e.preventDefault();
    }
  });
  $('toggle-sidebar').addEventListener('click', () => toggleDrawer('sidebar'));
  $('toggle-settings').addEventListener('click', () => toggleDrawer('settings'));
  $('scrim').addEventListener('click', closeDrawers);
  window.addEventListener('hashchange', () => {
    if (!$('app').hidden) route();
  });
}

async function boot() {
  appearance = new Appearance();
  settings = new Settings();
  wire();
  try {
    state.mode = await api.serverMode();
  } catch (e) {
    state.mode = 'open';
    showSignIn(`Cannot reach the server (${e.message}). Reload the page to try again.`);
    return;
  }
  const saved = savedAuth();
  if (!saved || saved.mode !== state.mode) {
    showSignIn();
    return;
  }
  useAuth(saved);
  if (state.mode === 'keys') {
    try {
      await api.listConversations({ limit: 1 });
    } catch (e) {
      if (e.status === 401) {
        clearAuth();
        useAuth(null);
        showSignIn('Your saved API key was refused. Sign in again.');
        return;
      }
    }
  }
  await enterApp();
}

window.fairwayApp = { state }; // for the curious (and the browser tests): read-only use
boot();
