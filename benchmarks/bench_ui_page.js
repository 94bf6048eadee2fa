// The page of bench_ui.py: the notebook widget bundle (mcpchat_ext/widget/static/widget.js, the same
// ChatApp as the JupyterLab panel) mounted on a fake anywidget model that answers like the chat
// server (chats.history with offset/limit as mcpchat_ext/users/workspace.py does, default limit 200)
// and streams token frames on request. Frames are JSON round-tripped, as a comm delivers them.
import widget from './widget.js';

const WORDS = 'the model writes a long answer with some words of varying length about tools data and code'.split(' ');
const now = () => new Date().toISOString();

function reply(i, words) {
  const w = n => Array.from({ length: n }, (_, k) => WORDS[(i + k * 7) % WORDS.length]).join(' ');
  return [
    `## Answer ${i}`,
    w(words),
    `- a point about **${w(3)}** and \`code_${i}\``,
    `- [a link](https://example.org/doc/${i}) and more ${w(6)}`,
    '```python',
    `def f_${i}(x):\n    return x * ${i}  # ${w(4)}`,
    '```',
    `| a | b |\n|---|---|\n| ${i} | ${w(2)} |`,
    `> ${w(12)}`
  ].join('\n\n');
}

/** A chat of `n` messages: turns of user, assistant with a tool call, tool result, assistant reply. */
function history(n) {
  const out = [];
  for (let i = 0; out.length < n; i++) {
    const base = { tool_calls: [], tool_call_id: null, name: null, status: null, metadata: {} };
    const kind = out.length % 4;
    if (kind === 0) {
      out.push({ ...base, id: `m${out.length}`, role: 'user', content: `Question ${i}: please look at the data and explain.` });
    } else if (kind === 1) {
      const call = { id: `call${i}`, name: 'demo_search', server: 'demo', tool: 'search', args: { q: `query ${i}`, limit: 5 } };
      out.push({ ...base, id: `m${out.length}`, role: 'assistant', content: '', tool_calls: [call] });
    } else if (kind === 2) {
      out.push({ ...base, id: `m${out.length}`, role: 'tool', tool_call_id: null, name: 'demo_search', status: 'success', content: JSON.stringify({ hits: [1, 2, 3].map(k => ({ id: k, title: `hit ${i}.${k}` })) }) });
    } else {
      out.push({ ...base, id: `m${out.length}`, role: 'assistant', content: reply(i, 60) });
    }
  }
  // tool messages answer the call of the message before them
  for (let k = 0; k < out.length; k++) {
    if (out[k].role === 'tool') out[k].tool_call_id = out[k - 1].tool_calls[0].id;
  }
  return out;
}

const chats = {};
const listeners = new Set();
const emit = frame => {
  const f = JSON.parse(JSON.stringify(frame));
  for (const cb of [...listeners]) cb(f);
};

function chatInfo(id) {
  return { id, title: `chat ${id}`, servers: [], created_at: now(), updated_at: now(), pending_approval: false };
}

function answer(method, params) {
  switch (method) {
    case 'chats.list':
      return Object.keys(chats).map(chatInfo);
    case 'servers.list':
    case 'rules.list':
      return [];
    case 'chats.history': {
      const msgs = chats[params.chat_id] ?? [];
      const limit = params.limit ?? 200;
      const start = params.offset == null ? Math.max(0, msgs.length - limit) : Math.min(params.offset, msgs.length);
      return { chat: chatInfo(params.chat_id), messages: msgs.slice(start, start + limit), total: msgs.length, offset: start, pending: [], interrupted: false };
    }
    default:
      throw new Error(`bench page: no answer for ${method}`);
  }
}

const state = { chat_id: null, height: '900px' };
const model = {
  get: k => state[k],
  set: (k, v) => (state[k] = v),
  save_changes() {},
  on(ev, cb) {
    if (ev === 'msg:custom') listeners.add(cb);
  },
  off(ev, cb) {
    listeners.delete(cb);
  },
  send(frame) {
    setTimeout(() => {
      if (frame.type === 'hello') {
        emit({ type: 'welcome', protocol: 1, user: 'bench', model: { name: 'fake', base_url: null, demo: false, label: 'fake' } });
      } else if (frame.type === 'call') {
        emit({ type: 'result', id: frame.id, result: answer(frame.method, frame.params) });
      }
    }, 0);
  }
};

// ---------------------------------------------------------------- measurements

/** Mount the widget on chat `id` of `n` messages; resolves with ms to the first paint of the newest one. */
window.benchOpen = (id, n) =>
  new Promise(resolve => {
    chats[id] = history(n);
    state.chat_id = id;
    const el = document.getElementById('root');
    el.replaceChildren();
    const newest = chats[id][chats[id].length - 1]?.id ?? null;
    const t0 = performance.now();
    window.benchDispose?.();
    window.benchDispose = widget.render({ model, el });
    const poll = () => {
      const node = document.querySelector(newest ? `[data-message-id="${newest}"]` : '[data-testid=empty-chat]');
      const box = document.querySelector('[data-testid=transcript]');
      if (node && box) {
        const r = node.getBoundingClientRect();
        const b = box.getBoundingClientRect();
        if (r.height > 0 && r.top < b.bottom && r.bottom > b.top) {
          setTimeout(() => resolve(performance.now() - t0), 0); // after this frame's paint
          return;
        }
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });

/** Stream `tokens` token frames (one word each, one per `gapMs`) into the open chat; frame times. */
window.benchStream = (tokens, gapMs) =>
  new Promise(resolve => {
    const chatId = state.chat_id;
    const msgId = `stream-${Math.random().toString(36).slice(2)}`;
    const frames = [];
    const longTasks = [];
    const obs = new PerformanceObserver(list => list.getEntries().forEach(e => longTasks.push(e.duration)));
    obs.observe({ entryTypes: ['longtask'] });
    let last = null;
    let done = false;
    const tick = t => {
      if (last !== null) frames.push(t - last);
      last = t;
      if (!done) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    emit({ type: 'turn_started', chat_id: chatId, user_message: { id: `${msgId}-u`, role: 'user', content: 'Write a long answer.', tool_calls: [], tool_call_id: null, name: null, status: null, metadata: {} } });
    let sent = 0;
    let text = '';
    const t0 = performance.now();
    const step = () => {
      const word = (sent % 40 === 39 ? '\n\n' : ' ') + WORDS[sent % WORDS.length];
      text += word;
      emit({ type: 'token', chat_id: chatId, message_id: msgId, text: word });
      sent += 1;
      if (sent < tokens) {
        setTimeout(step, gapMs);
        return;
      }
      const message = { id: msgId, role: 'assistant', content: text, tool_calls: [], tool_call_id: null, name: null, status: null, metadata: {} };
      emit({ type: 'ai_message', chat_id: chatId, message });
      emit({ type: 'done', chat_id: chatId, message });
      const elapsed = performance.now() - t0;
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          done = true;
          obs.disconnect();
          resolve({ frames, longTasks, elapsed });
        })
      );
    };
    setTimeout(step, gapMs);
  });

/** Load every older page (the "Show older messages" button, where the UI has one): all messages in the DOM. */
window.benchLoadAll = () =>
  new Promise(resolve => {
    const step = () => {
      const btn = document.querySelector('[data-testid=load-older]');
      if (!btn) {
        resolve(document.querySelectorAll('[data-message-id]').length);
        return;
      }
      if (!btn.disabled) btn.click();
      setTimeout(step, 50);
    };
    step();
  });
