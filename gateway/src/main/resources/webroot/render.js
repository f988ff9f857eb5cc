// Model text as Markdown: HTML in it is shown as text (never parsed), images become links (nothing loads by itself),
// and every piece of HTML reaches the DOM through DOMPurify as a TrustedHTML (the page's CSP requires it).
// While a reply streams, finished blocks are rendered once and kept; only the last blocks are redone per frame.

const PURIFY = {
  RETURN_TRUSTED_TYPE: true,
  FORBID_TAGS: ['style', 'img', 'svg', 'math', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'video', 'audio'],
  FORBID_ATTR: ['style', 'srcset'],
};

let purifyHooked = false;

function sanitize(html) {
  const purify = globalThis.DOMPurify;
  if (!purifyHooked) {
    purify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
    purifyHooked = true;
  }
  return purify.sanitize(html, PURIFY);
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const AUTO_HIGHLIGHT_MAX_CHARS = 4000;

function highlighted(code, language) {
  const hljs = globalThis.hljs;
  if (!hljs) return escapeHtml(code);
  try {
    if (language && hljs.getLanguage(language)) return hljs.highlight(code, { language, ignoreIllegals: true }).value;
    if (!language && code.length <= AUTO_HIGHLIGHT_MAX_CHARS) return hljs.highlightAuto(code).value;
  } catch {
    // fall through to plain text
  }
  return escapeHtml(code);
}

function makeMarked(highlight) {
  const m = new globalThis.marked.Marked({ gfm: true, breaks: true });
  m.use({
    renderer: {
      html({ text }) {
        return escapeHtml(text);
      },
      image({ href, text }) {
        const label = text || href || 'image';
        return `<a href="${escapeHtml(href || '')}" class="image-link">[image: ${escapeHtml(label)}]</a>`;
      },
      code({ text, lang }) {
        const language = ((lang || '').match(/^\S*/) || [''])[0];
        const body = highlight ? highlighted(text, language) : escapeHtml(text);
        const cls = `hljs${language ? ` language-${escapeHtml(language)}` : ''}`;
        return `<pre><code class="${cls}">${body}</code></pre>\n`;
      },
    },
  });
  return m;
}

let full;
let plain;

function parsers() {
  if (!full) {
    full = makeMarked(true);
    plain = makeMarked(false); // for the block still being written: highlighting it every frame is wasted work
  }
  return { full, plain };
}

/** Renders a whole Markdown text (a stored message, or a reply once it ended). */
export function renderMarkdown(el, src) {
  el.innerHTML = sanitize(parsers().full.parse(src));
}

/** A reply as it streams in: append text as it comes, finish() once it ended. */
export class MarkdownView {
  constructor(el) {
    this.el = el;
    this.src = '';
    this.frozenLength = 0;
    this.frame = 0;
    this.frozen = document.createElement('div');
    this.frozen.className = 'md-part';
    this.live = document.createElement('div');
    this.live.className = 'md-part';
    el.replaceChildren(this.frozen, this.live);
  }

  append(text) {
    this.src += text;
    if (!this.frame) this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Renders what arrived so far right away (the first token should not wait for a frame). */
  renderNow() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.render();
  }

  render() {
    const { full: f, plain: p } = parsers();
    const rest = this.src.slice(this.frozenLength);
    let tokens = p.lexer(rest);
    // the last two blocks may still change (a paragraph becoming a heading, a list or code block growing)
    let cut = tokens.length;
    let open = 0;
    while (cut > 0 && open < 2) {
      cut -= 1;
      if (tokens[cut].type !== 'space') open += 1;
    }
    if (cut > 0) {
      const done = tokens.slice(0, cut);
      const raw = done.map((t) => t.raw).join('');
      if (rest.startsWith(raw)) {
        done.links = tokens.links;
        const part = document.createElement('div');
        part.className = 'md-part';
        part.innerHTML = sanitize(f.parser(done));
        this.frozen.append(part);
        this.frozenLength += raw.length;
        const liveTokens = tokens.slice(cut);
        liveTokens.links = tokens.links;
        tokens = liveTokens;
      }
    }
    this.live.innerHTML = sanitize(p.parser(tokens));
  }

  /** The reply ended: one full render, exactly as the stored message renders when the conversation is reopened. */
  finish(finalText) {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (finalText !== undefined) this.src = finalText;
    renderMarkdown(this.el, this.src);
  }

  get text() {
    return this.src;
  }
}
