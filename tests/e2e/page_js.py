"""Scripts the browser tests run inside the page: a counter of the script runs the server reports,
and a reader of every Plotly chart's data."""

# Counts the script runs the server reports, read from Streamlit's own websocket messages
# (ForwardMsg, decoded just enough: its top-level fields). The page's data-test-script-state
# attribute is not enough: when the browser is starved (another browser suite on the same cores),
# several messages are handled before React renders once, so a run's "running" state is never
# drawn and an observer of the attribute misses the run (seen: the sign-in's two runs, an
# st.rerun() chain, drew one running -> notRunning). The server's messages miss nothing:
# - window.__stRuns: runs that completed (script_finished other than FINISHED_EARLY_FOR_RERUN,
#   so an st.rerun() chain or a run interrupted by a widget change counts once, at its end);
# - window.__stRunning: whether the server's last word was "a script is running";
# - window.__stSockets / __stCloses / __stMessages: what a failed wait reports (harness.py).
# Both are updated one task after Streamlit's own listener has taken the message, so by then the
# app has handed it to React.
RUN_COUNTER = """
(() => {
  window.__stRuns = 0;
  window.__stRunning = false;
  // For a failed wait's message only: sockets opened and closed, messages read.
  window.__stSockets = 0;
  window.__stCloses = 0;
  window.__stMessages = 0;
  const varint = (b, i) => {
    let x = 0, shift = 0, c;
    do { c = b[i++]; x += (c & 0x7f) * 2 ** shift; shift += 7; } while (c & 0x80);
    return [x, i];
  };
  const fields = (bytes) => {  // top-level fields: number -> varint value or bytes
    const out = {};
    let i = 0;
    while (i < bytes.length) {
      let tag, v, n;
      [tag, i] = varint(bytes, i);
      const wire = tag & 7, number = Math.floor(tag / 8);
      if (wire === 0) { [v, i] = varint(bytes, i); out[number] = v; }
      else if (wire === 2) { [n, i] = varint(bytes, i); out[number] = bytes.subarray(i, i + n); i += n; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const SCRIPT_FINISHED = 6, SESSION_STATUS_CHANGED = 9, SCRIPT_IS_RUNNING = 2;
  const FINISHED_EARLY_FOR_RERUN = 2;
  const read = (data) => {
    if (!(data instanceof ArrayBuffer)) return;
    const msg = fields(new Uint8Array(data));
    window.__stMessages += 1;
    if (msg[SCRIPT_FINISHED] !== undefined && msg[SCRIPT_FINISHED] !== FINISHED_EARLY_FOR_RERUN) {
      window.__stRuns += 1;
    }
    if (msg[SESSION_STATUS_CHANGED] !== undefined) {
      window.__stRunning = fields(msg[SESSION_STATUS_CHANGED])[SCRIPT_IS_RUNNING] === 1;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (!String(args[0]).includes('/_stcore/stream')) return;
      window.__stSockets += 1;
      super.addEventListener('close', () => { window.__stCloses += 1; });
      // After the app's own listener (registered after construction), one task later.
      const add = this.addEventListener.bind(this);
      let hooked = false;
      this.addEventListener = (type, listener, options) => {
        add(type, listener, options);
        if (type === 'message' && !hooked) {
          hooked = true;
          add('message', (e) => setTimeout(() => read(e.data), 0));
        }
      };
    }
  };
})();
"""

# The data of every Plotly chart on the page, as plain JSON (typed arrays turned into lists).
# gd.data may hold Plotly's base64 array specs; gd._fullData holds the decoded arrays.
FIGURES = """
(sel) => {
  const plain = (v) => {
    if (v === null || v === undefined) return v;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === 'object' && v.bdata !== undefined) return null;
    return v;
  };
  const keys = ['type', 'name', 'x', 'y', 'z', 'customdata', 'text', 'orientation', 'visible'];
  return Array.from(document.querySelectorAll(sel)).map((gd) => ({
    title: (gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text) || '',
    key: ((gd.closest('[class*="st-key-"]') || {}).className || '')
      .split(/\\s+/).filter((c) => c.startsWith('st-key-')).map((c) => c.slice(7)),
    traces: (gd._fullData || []).map((t) => {
      const out = {};
      for (const k of keys) out[k] = plain(t[k]);
      return out;
    }),
  }));
}
"""
