// Fairway's public HTTP API, called exactly as any other client calls it (see the README's conversations API).

/** An error answer (OpenAI error JSON), a network failure (status 0) or an error event inside a stream. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const e = (body && body.error) || {};
    super(e.message || (status ? `HTTP ${status}` : 'Cannot reach the server.'));
    this.status = status;
    this.code = e.code || null;
    this.param = e.param || null;
    this.retryAfter = retryAfter;
  }
}

function retryAfterOf(res) {
  const v = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  return Number.isFinite(v) && v >= 0 ? v : null;
}

async function failure(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return new ApiError(res.status, body, retryAfterOf(res));
}

/** The conversation a /v1/conversations/{id}... path names, or null. */
function conversationOf(path) {
  const m = /^\/v1\/conversations\/([^/?]+)/.exec(path);
  return m ? decodeURIComponent(m[1]) : null;
}

export class Api {
  constructor() {
    /** API key (servers with users) or null. */
    this.key = null;
    /** X-Fairway-User name (open loopback servers) or null for `local`. */
    this.user = null;
  }

  /** The conversation's id as X-Conversation-Id too: a load balancer hashing on it keeps a chat on one node. */
  headers(json, conversationId) {
    const h = {};
    if (this.key) h.Authorization = `Bearer ${this.key}`;
    if (this.user) h['X-Fairway-User'] = this.user;
    if (json) h['Content-Type'] = 'application/json';
    if (conversationId) h['X-Conversation-Id'] = conversationId;
    return h;
  }

  async request(method, path, body, signal) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: this.headers(body !== undefined, conversationOf(path)),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, null, null);
    }
    if (!res.ok) throw await failure(res);
    return res.status === 204 ? null : res.json();
  }

  /** 'open' (loopback, no users: names instead of keys) or 'keys': asks like any client, without a key. */
  async serverMode() {
    let res;
    try {
      res = await fetch('/v1/models', { cache: 'no-store' });
    } catch {
      throw new ApiError(0, null, null);
    }
    if (res.status === 401) return 'keys';
    if (res.ok) return 'open';
    throw await failure(res);
  }

  models() {
    return this.request('GET', '/v1/models');
  }

  listConversations({ after, q, limit = 30 } = {}) {
    const p = new URLSearchParams({ limit: String(limit) });
    if (after) p.set('after', after);
    if (q) p.set('q', q);
    return this.request('GET', `/v1/conversations?${p}`);
  }

  getConversation(id) {
    return this.request('GET', `/v1/conversations/${encodeURIComponent(id)}`);
  }

  createConversation(body) {
    return this.request('POST', '/v1/conversations', body);
  }

  updateConversation(id, body) {
    return this.request('PATCH', `/v1/conversations/${encodeURIComponent(id)}`, body);
  }

  deleteConversation(id) {
    return this.request('DELETE', `/v1/conversations/${encodeURIComponent(id)}`);
  }

  /**
   * One turn, streamed: yields the `chat.completion.chunk` objects. Aborting {@code signal} closes the connection,
   * which cancels the generation on the server (the reply is stored as partial).
   */
  async *streamTurn(conversationId, body, signal) {
    let res;
    try {
      res = await fetch(`/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
        method: 'POST',
        headers: this.headers(true, conversationId),
        body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
        signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, null, null);
    }
    if (!res.ok) throw await failure(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw new ApiError(0, { error: { message: 'The connection broke before the reply ended.', code: 'stream_cut' } }, null);
      }
      if (chunk.done) break;
      buffer += chunk.value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split('\n')) {
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (data === '[DONE]') return;
          const json = JSON.parse(data);
          if (json.error) throw new ApiError(json.error.code === 'server_shutting_down' ? 503 : 500, json, null);
          yield json;
        }
      }
    }
    throw new ApiError(0, { error: { message: 'The connection closed before the reply ended.', code: 'stream_cut' } }, null);
  }
}
