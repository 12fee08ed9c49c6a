// mockmx's web page: a plain ES module, no dependencies, no build step.
// It is a client of the JSON API (/api/v1/) and of the event stream (/api/v1/events) like any
// other. Everything that comes from mail, transcripts or scenarios enters the DOM as text
// (text nodes, textContent, attribute values); nothing is ever parsed as HTML here, except a
// message's own HTML body, which goes into a sandboxed frame without scripts.

const API = '/api/v1';

// ---------------------------------------------------------------------------------------------
// API access; the token (when the server has one) arrives as ?token= on the page URL

const token = new URLSearchParams(location.search).get('token') ?? '';

/** A URL the browser opens itself (links, EventSource) carries the token in its query. */
const withToken = (url) => (token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url);

class ApiError extends Error {
  constructor(status, body) {
    super(typeof body === 'object' && body && 'error' in body ? String(body.error) : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** fetch with the token as a bearer header; JSON answers are parsed, anything else is text. */
async function api(path, init = {}) {
  const headers = { accept: 'application/json, text/plain;q=0.5, */*;q=0.1', ...(init.headers ?? {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { ...init, headers });
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

const seg = (s) => encodeURIComponent(s);

// ---------------------------------------------------------------------------------------------
// DOM helpers: elements from data, text only

/** h('a', { href, class, onclick }, 'text', child, [more]) — strings become text nodes. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const $ = (id) => document.getElementById(id);
const pad = (n, width = 2) => String(n).padStart(width, '0');

function clock(iso, withMs = false) {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${withMs ? `.${pad(d.getMilliseconds(), 3)}` : ''}`;
}

function when(iso) {
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  return today ? clock(iso) : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(iso)}`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

let toastTimer;
function toast(text, kind = 'info') {
  const el = $('toast');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 3500);
}

/** Copies text; falls back to selecting it when the clipboard API is not there (plain http on a LAN name). */
async function copy(text, pre) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard');
  } catch {
    const range = document.createRange();
    range.selectNodeContents(pre);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    toast('Selected: press Ctrl+C to copy');
  }
}

// ---------------------------------------------------------------------------------------------
// SMTP reading helpers (the same reading the server does, on the client's copy)

const REPLY_LINE = /^(\d{3})([ -])?(.*)$/;
const FINAL_REFUSAL = /^[45]\d\d(?: |$)/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;
const DATA_LINE = /^<(\d+) bytes of message data>$/;

/** The transcript's replies: each with its lines' indexes, code, enhanced code, text, rule and the command it answered. */
function repliesOf(transcript) {
  const replies = [];
  let current;
  let command;
  transcript.forEach((line, index) => {
    if (line.direction === 'in') {
      command = { text: line.text, index };
      return;
    }
    if (line.direction !== 'out') return;
    const m = REPLY_LINE.exec(line.text);
    if (!m) return;
    current ??= { code: Number(m[1]), first: index, lines: [], parts: [], rule: line.rule, at: line.at, command };
    current.lines.push(line.text);
    current.parts.push(m[3] ?? '');
    if (m[2] !== '-') {
      const enhanced = ENHANCED.exec(current.parts[0] ?? '')?.[1];
      const text = current.parts.map((p) => (enhanced && p.startsWith(enhanced) ? p.slice(enhanced.length) : p).trim()).join(' ');
      replies.push({ ...current, last: index, enhanced, text });
      current = undefined;
      command = undefined;
    }
  });
  return replies;
}

const isContinuation = (previous, line) =>
  previous !== undefined && previous.direction === 'out' && line.direction === 'out' && /^\d{3}-/.test(previous.text);

// ---------------------------------------------------------------------------------------------
// State, fed by the event stream (and a full read when it (re)connects)

const state = {
  sessions: new Map(),
  messages: new Map(),
  tab: 'sessions',
  filter: '',
  health: undefined,
  scenarioName: '',
  /** The route shown in the detail pane: { name, id?, query } */
  route: { name: 'home' },
  /** Set while a session's transcript is on screen, to append lines as they come. */
  liveTranscript: undefined,
  /** Set while the report view is on screen: { refresh() } re-reads it with its filters. */
  reportView: undefined,
  catalogProviders: undefined,
};

function normaliseSession(s, previous) {
  return {
    ...previous,
    ...s,
    outcome: s.outcome ?? previous?.outcome ?? { status: 'open', messages: 0, refusals: 0 },
    messages: s.messages ?? previous?.messages ?? [],
    pending: previous?.pending,
  };
}

const sessionOrder = (a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id);
const messageOrder = (a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id);
const isEmpty = () => state.sessions.size === 0 && state.messages.size === 0;

/** The page keeps the newest LIMIT of each (what one read of the API brings); older ones drop off. */
const LIMIT = 500;
/** Raw messages up to this size are shown in the page; larger ones only offered for download. */
const RAW_SHOWN_UP_TO = 2 * 1024 * 1024;
function prune(map, order) {
  if (map.size <= LIMIT) return;
  for (const item of [...map.values()].sort(order).slice(LIMIT)) map.delete(item.id);
}

let renderTimer;
let wasEmpty = true;
/** Coalesces bursts of events into one redraw of the list. */
function scheduleRender() {
  renderTimer ??= setTimeout(() => {
    renderTimer = undefined;
    prune(state.sessions, sessionOrder);
    prune(state.messages, messageOrder);
    renderList();
    if (state.route.name === 'home' && wasEmpty !== isEmpty()) showHome();
    wasEmpty = isEmpty();
  }, 16);
}

/** Ids the stream brought while a full read was on its way: the stream's copy is the newer one. */
let touched;
const touch = (id) => touched?.add(id);

async function resync() {
  touched = new Set();
  try {
    const [sessions, messages, health] = await Promise.all([
      api(`${API}/sessions?transcript=false&limit=${LIMIT}`),
      api(`${API}/messages?limit=${LIMIT}`),
      api('/healthz'),
    ]);
    // forget what is gone (deleted, or before a restart); keep what the stream brought meanwhile
    const seenSessions = new Set(sessions.items.map((s) => s.id));
    for (const id of state.sessions.keys()) if (!seenSessions.has(id) && !touched.has(id)) state.sessions.delete(id);
    for (const s of sessions.items) if (!touched.has(s.id) || !state.sessions.has(s.id)) state.sessions.set(s.id, normaliseSession(s, state.sessions.get(s.id)));
    const seenMessages = new Set(messages.items.map((m) => m.id));
    for (const id of state.messages.keys()) if (!seenMessages.has(id) && !touched.has(id)) state.messages.delete(id);
    for (const m of messages.items) if (!touched.has(m.id) || !state.messages.has(m.id)) state.messages.set(m.id, m);
    state.health = health;
    setScenarioName(health.scenario);
    renderSmtpInfo();
    scheduleRender();
  } catch (err) {
    showError(err);
  } finally {
    touched = undefined;
  }
}

function setScenarioName(name) {
  if (!name) return;
  state.scenarioName = name;
  $('scenario-badge').textContent = `scenario: ${name}`;
}

function renderSmtpInfo() {
  const smtp = state.health?.smtp;
  $('smtp-info').textContent = smtp ? `SMTP ${smtpAddress()}` : '';
}

/** host:port a person can type; a wildcard bind shows the name this page was opened with. */
function smtpAddress() {
  const smtp = state.health?.smtp;
  if (!smtp) return '';
  const wildcard = ['0.0.0.0', '::', '', '[::]'].includes(smtp.host);
  const host = wildcard ? location.hostname.replace(/^\[|\]$/g, '') : smtp.host;
  return `${host.includes(':') ? `[${host}]` : host}:${smtp.port}`;
}

let events;
function connect() {
  setLive('connecting');
  events = new EventSource(withToken(`${API}/events`));
  events.addEventListener('open', () => {
    setLive('live');
    void resync();
    // sessions may have ended while the stream was down
    state.reportView?.refresh();
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) {
      // the server refused the stream (a wrong token, a restart in between): try again later
      setLive('offline');
      setTimeout(connect, 5000);
    } else setLive('reconnecting');
  });
  events.addEventListener('session', (e) => onSession(JSON.parse(e.data)));
  events.addEventListener('line', (e) => onLine(JSON.parse(e.data)));
  events.addEventListener('session-end', (e) => onSessionEnd(JSON.parse(e.data)));
  events.addEventListener('message', (e) => onMessage(JSON.parse(e.data)));
  // with --redis: deleted or cleared on this or another instance
  events.addEventListener('message-deleted', (e) => {
    const { id } = JSON.parse(e.data);
    touch(id);
    if (state.messages.delete(id)) scheduleRender();
  });
  // switched elsewhere (the API, a test, --watch): the badge follows, and an open scenario view
  events.addEventListener('scenario', (e) => {
    setScenarioName(JSON.parse(e.data).name);
    if (location.hash.startsWith('#/scenario')) void route();
    // other report: thresholds start the card over
    state.reportView?.refresh();
  });
}

function setLive(status) {
  const el = $('live');
  el.dataset.state = status;
  el.textContent = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', offline: 'offline' }[status] ?? status;
}

function onSession(head) {
  touch(head.id);
  state.sessions.set(head.id, normaliseSession(head, state.sessions.get(head.id)));
  scheduleRender();
}

function onLine(line) {
  const s = state.sessions.get(line.sessionId);
  if (s && line.direction === 'out' && REPLY_LINE.test(line.text)) {
    // gather a multi-line reply; a final refusal line counts it
    s.pending = [...(s.pending ?? []), line.text];
    if (!/^\d{3}-/.test(line.text)) {
      const [reply] = repliesOf(s.pending.map((text) => ({ direction: 'out', text, rule: line.rule, at: line.at })));
      s.pending = undefined;
      if (reply && reply.code >= 400) {
        s.outcome = { ...s.outcome, refusals: s.outcome.refusals + 1, lastRefusal: { code: reply.code, enhanced: reply.enhanced, text: reply.text, rule: line.rule } };
        scheduleRender();
      }
    }
  }
  const live = state.liveTranscript;
  if (live && live.id === line.sessionId) live.append(line);
}

function onSessionEnd(s) {
  touch(s.id);
  state.sessions.set(s.id, normaliseSession(s, state.sessions.get(s.id)));
  scheduleRender();
  if (state.liveTranscript?.id === s.id) void showSession(s.id, { keepScroll: true });
  // the card grades a session once it has ended
  state.reportView?.refresh();
}

function onMessage(m) {
  touch(m.id);
  touch(m.sessionId);
  state.messages.set(m.id, m);
  const s = state.sessions.get(m.sessionId);
  if (s && !s.messages.includes(m.id)) {
    s.messages = [...s.messages, m.id];
    s.outcome = { ...s.outcome, messages: s.outcome.messages + 1 };
  }
  scheduleRender();
  if (state.liveTranscript?.id === m.sessionId) void showSession(m.sessionId, { keepScroll: true });
}

// ---------------------------------------------------------------------------------------------
// The list pane

const STATUS_TEXT = { open: 'open', delivered: 'delivered', rejected: 'rejected', dropped: 'dropped', closed: 'closed' };

function sessionSearchText(s) {
  const r = s.outcome.lastRefusal;
  return [s.id, s.clientIp, s.heloName, s.authUser, s.outcome.status, r?.code, r?.enhanced, r?.text, r?.rule].filter(Boolean).join(' ').toLowerCase();
}

function messageSearchText(m) {
  return [m.id, m.subject, m.from, ...m.to, m.envelope.mailFrom, ...m.envelope.rcptTo, m.rule].filter(Boolean).join(' ').toLowerCase();
}

/** A refusal that was only temporary (4xx) shows amber, a permanent one red. */
const statusClass = (status, lastRefusal) => (status === 'rejected' && lastRefusal && lastRefusal.code < 500 ? 'status-temp' : `status-${status}`);

function sessionItem(s) {
  const r = s.outcome.lastRefusal;
  const status = s.outcome.status;
  const selected = state.route.name === 'session' && state.route.id === s.id;
  return h(
    'li',
    { class: 'item', dataset: { id: s.id } },
    h(
      'a',
      { href: `#/sessions/${seg(s.id)}`, 'aria-current': selected ? 'true' : undefined },
      h('div', { class: 'row' }, h('span', { class: `badge ${statusClass(status, r)}` }, status === 'rejected' && r ? `${STATUS_TEXT[status]} ${r.code}` : STATUS_TEXT[status] ?? status), h('span', { class: 'item-id' }, s.id), h('span', { class: 'time' }, when(s.startedAt))),
      h('div', { class: 'row sub' }, h('span', { class: 'ellipsis' }, [s.heloName ? `HELO ${s.heloName}` : 'no HELO', ` · ${s.clientIp}`, s.tls ? ' · TLS' : '', s.authUser ? ` · ${s.authUser}` : ''].join(''))),
      s.outcome.messages || s.outcome.refusals
        ? h(
            'div',
            { class: 'row sub' },
            h(
              'span',
              { class: 'ellipsis' },
              s.outcome.messages ? plural(s.outcome.messages, 'message') : '',
              s.outcome.messages && r ? ' · ' : '',
              r ? h('span', { class: r.code >= 500 ? 'perm-text' : 'temp-text' }, `${plural(s.outcome.refusals, 'refusal')}, last ${r.code}${r.enhanced ? ` ${r.enhanced}` : ''} ${r.text ?? ''}`) : '',
            ),
          )
        : null,
    ),
  );
}

function messageItem(m) {
  const selected = state.route.name === 'message' && state.route.id === m.id;
  const refused = m.transaction?.refused?.length ?? 0;
  return h(
    'li',
    { class: 'item', dataset: { id: m.id } },
    h(
      'a',
      { href: `#/messages/${seg(m.id)}`, 'aria-current': selected ? 'true' : undefined },
      h('div', { class: 'row' }, h('span', { class: 'subject ellipsis' }, m.subject || '(no subject)'), h('span', { class: 'time' }, when(m.receivedAt))),
      h('div', { class: 'row sub' }, h('span', { class: 'ellipsis' }, `${m.envelope.mailFrom || '<>'} → ${m.envelope.rcptTo.join(', ')}`)),
      h(
        'div',
        { class: 'row sub' },
        h('span', null, `${m.id} · ${bytes(m.size)}`, m.attachments ? ` · ${plural(m.attachments, 'attachment')}` : ''),
        refused ? h('span', { class: 'temp-text' }, `${refused} refused in its transaction`) : null,
        // notices mockmx sent itself: what they are, and where they went
        m.outbound ? h('span', { class: 'temp-text', title: m.outbound.delivery }, `sent by mockmx: ${m.outbound.kind} about ${m.outbound.about}`) : null,
      ),
    ),
  );
}

function renderList() {
  const sessions = [...state.sessions.values()].sort(sessionOrder);
  const messages = [...state.messages.values()].sort(messageOrder);
  $('count-sessions').textContent = String(sessions.length);
  $('count-messages').textContent = String(messages.length);
  for (const tab of document.querySelectorAll('[data-tab]')) tab.setAttribute('aria-selected', String(tab.dataset.tab === state.tab));
  const filter = state.filter.trim().toLowerCase();
  const items =
    state.tab === 'sessions'
      ? sessions.filter((s) => !filter || sessionSearchText(s).includes(filter)).map(sessionItem)
      : messages.filter((m) => !filter || messageSearchText(m).includes(filter)).map(messageItem);
  const total = state.tab === 'sessions' ? sessions.length : messages.length;
  if (!items.length) {
    items.push(
      h('li', { class: 'list-empty' }, total ? 'Nothing matches the filter.' : state.tab === 'sessions' ? 'No sessions yet: nobody has connected.' : 'No messages yet.'),
    );
  }
  $('list').replaceChildren(...items);
}

// ---------------------------------------------------------------------------------------------
// Router: #/  #/sessions/ID  #/messages/ID?tab=  #/scenario?rule=ID  #/catalog?q=  #/report?sender=&ip=&from=&to=

let viewSeq = 0;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = hash.split('?');
  const q = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  state.liveTranscript = undefined;
  state.reportView = undefined;
  const nav = ['scenario', 'catalog', 'report'].includes(parts[0]) ? parts[0] : 'mail';
  for (const a of document.querySelectorAll('[data-nav]')) a.setAttribute('aria-current', String(a.dataset.nav === nav));
  if (parts[0] === 'sessions' && parts[1]) {
    state.route = { name: 'session', id: parts[1] };
    if (state.tab !== 'sessions') state.tab = 'sessions';
    void showSession(parts[1]);
  } else if (parts[0] === 'messages' && parts[1]) {
    state.route = { name: 'message', id: parts[1] };
    if (state.tab !== 'messages') state.tab = 'messages';
    void showMessage(parts[1], q.get('tab'));
  } else if (parts[0] === 'scenario') {
    state.route = { name: 'scenario' };
    void showScenario(q);
  } else if (parts[0] === 'catalog') {
    state.route = { name: 'catalog' };
    void showCatalog(q);
  } else if (parts[0] === 'report') {
    state.route = { name: 'report' };
    void showReport(q);
  } else {
    state.route = { name: 'home' };
    showHome();
  }
  renderList();
}

/** Replaces the detail pane; a view started later wins over one still loading. */
function show(seq, ...nodes) {
  if (seq !== viewSeq) return false;
  $('detail').replaceChildren(...nodes);
  return true;
}

function showError(err, seq = viewSeq) {
  const text = err instanceof ApiError && err.status === 401 ? 'This mockmx needs its API token: open the page as /?token=YOUR_TOKEN.' : `Something went wrong: ${err.message ?? err}`;
  show(seq, h('div', { class: 'notice error' }, text));
}

function head(title, ...rest) {
  return h('header', { class: 'detail-head' }, h('h2', null, title), ...rest);
}

function meta(rows) {
  return h(
    'dl',
    { class: 'meta' },
    rows.filter(([, value]) => value !== undefined && value !== null && value !== '').map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
  );
}

function ruleLink(rule) {
  if (!rule) return null;
  // magic recipients name a catalog entry; every other id is a rule of the scenario
  const magic = /^magic:(.+)$/.exec(rule);
  const href = magic ? `#/catalog?q=${seg(magic[1])}` : `#/scenario?rule=${seg(rule)}`;
  return h('a', { class: 'rule-link', href, title: magic ? 'the catalog entry a magic recipient replayed' : 'show this rule in the scenario' }, rule);
}

// ---- home: what to do first ----------------------------------------------------------------

function example(label, text) {
  const pre = h('pre', { class: 'example' }, text);
  return h('div', { class: 'example-block' }, h('div', { class: 'example-head' }, h('span', null, label), h('button', { type: 'button', class: 'subtle', onclick: () => copy(text, pre) }, 'Copy')), pre);
}

function showHome() {
  const seq = ++viewSeq;
  const render = () => {
    const address = smtpAddress() || '127.0.0.1:2525';
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)];
    const empty = isEmpty();
    const swaks = `swaks --server ${address} --from alice@example.com --to bob@example.com \\\n  --header 'Subject: Hello from swaks' --body 'It works.'`;
    // a complete RFC 5322 header, so that strict scenarios (gmail) take it too
    const headers = (via) => `From: alice@example.com\\r\\nTo: bob@example.com\\r\\nSubject: Hello from ${via}\\r\\nDate: Mon, 1 Jan 2024 00:00:00 +0000\\r\\nMessage-ID: <hello-${via}@example.com>\\r\\n\\r\\nIt works.\\r\\n`;
    const curl = `printf '${headers('curl')}' | \\\n  curl smtp://${address} --mail-from alice@example.com --mail-rcpt bob@example.com -T -`;
    const nc = `printf 'EHLO me\\r\\nMAIL FROM:<alice@example.com>\\r\\nRCPT TO:<bob@example.com>\\r\\nDATA\\r\\n${headers('nc')}.\\r\\nQUIT\\r\\n' | nc ${host} ${port}`;
    show(
      seq,
      h(
        'section',
        { class: 'welcome', id: empty ? 'empty-state' : 'welcome' },
        head(empty ? 'No mail yet: send your first message' : 'Pick a session or a message on the left'),
        h(
          'p',
          null,
          'mockmx takes SMTP on ',
          h('code', { class: 'smtp-address' }, address),
          state.scenarioName ? [' and answers like the scenario ', h('a', { href: '#/scenario' }, state.scenarioName)] : '',
          '. Point your application’s SMTP settings there (plain SMTP, no TLS needed), or paste one of these into a terminal:',
        ),
        example('swaks', swaks),
        example('curl', curl),
        example('nc (netcat)', nc),
        h(
          'p',
          { class: 'hint' },
          'Sessions and messages appear on the left as they happen, no reload needed. A session shows every line in and out; refusals are highlighted with the scenario rule that made them. Magic recipients replay a provider’s reply, e.g. ',
          h('code', null, 'gmail.user-unknown@example.com'),
          ' (see the ',
          h('a', { href: '#/catalog' }, 'catalog'),
          ').',
        ),
        h('p', { class: 'hint' }, 'Tests and scripts use the JSON API: ', h('a', { href: withToken(`${API}/openapi.json`), target: '_blank', rel: 'noopener' }, `${API}/openapi.json`), '.'),
      ),
    );
  };
  render();
  if (!state.health) {
    api('/healthz')
      .then((health) => {
        state.health = health;
        setScenarioName(health.scenario);
        renderSmtpInfo();
        if (state.route.name === 'home') render();
      })
      .catch((err) => showError(err, seq));
  }
}

// ---- a session and its transcript ------------------------------------------------------------

async function showSession(id, { keepScroll = false } = {}) {
  const seq = ++viewSeq;
  const pane = $('detail');
  const scroll = pane.scrollTop;
  let s;
  try {
    s = await api(`${API}/sessions/${seg(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return show(seq, h('div', { class: 'notice' }, `Session ${id} is not there (deleted, or from before a restart).`));
    return showError(err, seq);
  }
  // keep the list's copy as fresh as this one
  state.sessions.set(s.id, normaliseSession({ ...s, transcript: undefined }, state.sessions.get(s.id)));
  scheduleRender();

  const replies = repliesOf(s.transcript);
  const refusals = replies.filter((r) => r.code >= 400);
  const messageAt = new Map(); // transcript index of a "<n bytes>" line → message id
  let next = 0;
  s.transcript.forEach((line, index) => {
    if (line.direction !== 'in' || !DATA_LINE.test(line.text)) return;
    const reply = replies.find((r) => r.command?.index === index);
    if (reply && reply.code < 400 && s.messages[next]) messageAt.set(index, s.messages[next++]);
  });

  const tbody = h('tbody');
  let previous;
  const rowFor = (line, index) => {
    const refusal = line.direction === 'out' && /^[45]\d\d[ -]?/.test(line.text) && REPLY_LINE.test(line.text);
    const classes = ['line', line.direction, refusal ? `refusal ${line.text.startsWith('4') ? 'temp' : 'perm'}` : ''].join(' ').trim();
    const message = messageAt.get(index);
    const row = h(
      'tr',
      { class: classes, id: `t-${index}`, dataset: { index: String(index) } },
      h('td', { class: 'at' }, clock(line.at, true)),
      h('td', { class: 'dir', title: { in: 'client', out: 'server', note: 'note' }[line.direction] }, { in: 'C:', out: 'S:', note: '··' }[line.direction] ?? line.direction),
      h('td', { class: 'text' }, line.text, message ? [' ', h('a', { href: `#/messages/${seg(message)}`, class: 'message-link' }, `→ ${message}`)] : null),
      h('td', { class: 'rule' }, line.rule && !isContinuation(previous, line) ? ruleLink(line.rule) : null),
    );
    previous = line;
    return row;
  };
  s.transcript.forEach((line, index) => tbody.append(rowFor(line, index)));

  const o = s.outcome;
  const duration = s.endedAt ? `${new Date(s.endedAt) - new Date(s.startedAt)} ms` : 'still connected';
  const refusalList = refusals.length
    ? h(
        'section',
        { class: 'refusals' },
        h('h3', null, `Refusals (${refusals.length})`),
        h(
          'ol',
          null,
          refusals.map((r) =>
            h(
              'li',
              { class: r.code >= 500 ? 'perm' : 'temp' },
              h('button', { type: 'button', class: 'linkish', title: 'show it in the transcript', onclick: () => flash(`t-${r.first}`) }, `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''}`),
              ' ',
              h('span', { class: 'refusal-text' }, r.text),
              r.command ? h('span', { class: 'refusal-command' }, ` (to ${r.command.text})`) : null,
              r.rule ? [' · rule ', ruleLink(r.rule)] : h('span', { class: 'muted' }, ' · no rule: the server’s own reply'),
            ),
          ),
        ),
      )
    : null;

  const view = h(
    'section',
    { class: 'session', dataset: { session: s.id } },
    head(`Session ${s.id}`, h('span', { class: `badge ${statusClass(o.status, o.lastRefusal)}` }, o.status)),
    meta([
      ['Client', `${s.clientIp}:${s.clientPort} on ${s.listener}`],
      ['HELO', s.heloName],
      ['TLS', s.tls ? `yes${s.tlsVersion ? ` (${s.tlsVersion})` : ''}` : 'no'],
      ['Login', s.authUser],
      ['Started', `${when(s.startedAt)} (${duration})`],
      ['Outcome', `${o.status}: ${plural(o.messages, 'message')} accepted, ${plural(o.refusals, 'refusal')}`],
      ['Messages', s.messages.length ? s.messages.map((mid, i) => [i ? ', ' : '', h('a', { href: `#/messages/${seg(mid)}` }, state.messages.get(mid)?.subject ? `${mid} “${state.messages.get(mid).subject}”` : mid)]) : undefined],
    ]),
    refusalList,
    h('h3', null, 'Transcript'),
    h('table', { class: 'transcript' }, h('thead', null, h('tr', null, h('th', null, 'time'), h('th', null, ''), h('th', null, 'line'), h('th', null, 'rule'))), tbody),
  );
  if (!show(seq, view)) return;
  pane.scrollTop = keepScroll ? scroll : 0;

  // lines of this session arriving from now on are appended where they belong
  if (!s.endedAt) {
    state.liveTranscript = {
      id: s.id,
      append(line) {
        if (line.index !== tbody.rows.length) {
          // a line went by unseen: read the session again
          state.liveTranscript = undefined;
          return void showSession(s.id, { keepScroll: true });
        }
        const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
        tbody.append(rowFor(line, line.index));
        if (atBottom) pane.scrollTop = pane.scrollHeight;
      },
    };
  }
}

function flash(id) {
  const el = $(id);
  if (!el) return;
  el.scrollIntoView({ block: 'center' });
  el.classList.remove('flash');
  void el.offsetWidth;
  el.classList.add('flash');
}

// ---- a message -----------------------------------------------------------------------------

/** The frame's own policy on top of the page's: nothing but inline styles and data: images. */
const FRAME_CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;

async function showMessage(id, tab) {
  const seq = ++viewSeq;
  let m;
  try {
    m = await api(`${API}/messages/${seg(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return show(seq, h('div', { class: 'notice' }, `Message ${id} is not there (deleted, or evicted).`));
    return showError(err, seq);
  }
  const header = (name) => m.headers.filter((x) => x.key.toLowerCase() === name).map((x) => x.value).join(', ');
  const t = m.transaction ?? { refused: [] };

  const panels = {};
  const tabs = [];
  const addTab = (key, label, build) => tabs.push({ key, label, build });
  if (m.html !== undefined) {
    addTab('html', 'HTML', () =>
      h('iframe', {
        class: 'html-frame',
        sandbox: '',
        referrerpolicy: 'no-referrer',
        title: 'the message’s HTML (sandboxed: no scripts, no network)',
        srcdoc: FRAME_CSP + m.html,
      }),
    );
  }
  addTab('text', 'Text', () => h('pre', { class: 'body-text' }, m.text || '(no text part)'));
  addTab('headers', `Headers (${m.headers.length})`, () =>
    h('table', { class: 'headers' }, h('tbody', null, m.headers.map((x) => h('tr', null, h('th', null, x.key), h('td', null, x.value))))),
  );
  addTab('raw', 'Raw', () => {
    const download = h('p', null, h('a', { href: withToken(m.links.raw), download: `${m.id}.eml` }, `Download ${m.id}.eml`));
    // a browser tab holding a 100 MB <pre> is no use to anyone: large messages are downloaded
    if (m.size > RAW_SHOWN_UP_TO) return h('div', null, download, h('p', { class: 'raw-too-large' }, `${bytes(m.size)} is too large to show here: download it.`));
    const pre = h('pre', { class: 'raw' }, 'loading…');
    api(`${API}/messages/${seg(m.id)}/raw`).then(
      (raw) => (pre.textContent = typeof raw === 'string' ? raw : JSON.stringify(raw)),
      (err) => (pre.textContent = `could not load it: ${err.message}`),
    );
    return h('div', null, download, pre);
  });
  if (m.authenticationResults) addTab('auth', 'Authentication', () => h('pre', { class: 'raw' }, m.authenticationResults));

  const panel = h('div', { class: 'tab-panel', role: 'tabpanel' });
  const tabBar = h('div', { class: 'tabs', role: 'tablist' });
  const select = (key) => {
    const chosen = tabs.find((x) => x.key === key) ?? tabs[0];
    panels[chosen.key] ??= chosen.build();
    panel.replaceChildren(panels[chosen.key]);
    panel.dataset.tab = chosen.key;
    for (const b of tabBar.querySelectorAll('[role=tab]')) b.setAttribute('aria-selected', String(b.dataset.key === chosen.key));
    history.replaceState(null, '', `#/messages/${seg(m.id)}?tab=${chosen.key}`);
  };
  for (const x of tabs) tabBar.append(h('button', { type: 'button', role: 'tab', dataset: { key: x.key }, onclick: () => select(x.key) }, x.label));
  tabBar.append(h('a', { class: 'download', href: withToken(m.links.raw), download: `${m.id}.eml` }, 'Download .eml'));

  const view = h(
    'section',
    { class: 'message', dataset: { message: m.id } },
    head(m.subject || '(no subject)'),
    meta([
      ['From', m.from ?? header('from')],
      ['To', m.to.join(', ')],
      ['Cc', header('cc')],
      ['Date', m.date ? when(m.date) : undefined],
      ['Envelope', `MAIL FROM:<${m.envelope.mailFrom}> RCPT TO:${m.envelope.rcptTo.map((r) => `<${r}>`).join(' ')}`],
      ['Received', `${when(m.receivedAt)} · ${bytes(m.size)} · ${m.id}`],
      ['Session', h('a', { href: `#/sessions/${seg(m.sessionId)}` }, m.sessionId)],
      ['Accepted', t.reply ? [`${t.reply.code}${t.reply.enhanced ? ` ${t.reply.enhanced}` : ''} ${t.reply.text}`, t.reply.rule ? [' · rule ', ruleLink(t.reply.rule)] : ''] : undefined],
      [
        'Refused',
        t.refused.length
          ? h(
              'ul',
              { class: 'plain' },
              t.refused.map((r) =>
                h('li', { class: r.code >= 500 ? 'perm-text' : 'temp-text' }, `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''} ${(r.recipients ?? []).join(', ')}: ${r.text}`, r.rule ? [' · rule ', ruleLink(r.rule)] : ''),
              ),
            )
          : undefined,
      ],
      [
        'Attachments',
        m.attachments.length
          ? h(
              'ul',
              { class: 'plain attachments' },
              m.attachments.map((a) => h('li', null, h('a', { href: withToken(a.href), download: a.filename ?? `attachment-${a.index}` }, a.filename ?? `attachment ${a.index}`), ` ${a.contentType}, ${bytes(a.size)}`)),
            )
          : undefined,
      ],
    ]),
    tabBar,
    panel,
  );
  if (!show(seq, view)) return;
  $('detail').scrollTop = 0;
  select(tab ?? (m.html !== undefined ? 'html' : 'text'));
}

// ---- the scenario --------------------------------------------------------------------------

/** The lines (1-based, inclusive) of the YAML list item starting at `line`. */
function ruleBlock(lines, line) {
  const indent = (s) => s.length - s.trimStart().length;
  const first = lines[line - 1] ?? '';
  const lead = indent(first);
  const dash = first.trimStart().startsWith('-');
  let end = line;
  for (let i = line; i < lines.length; i++) {
    const text = lines[i];
    if (text.trim() === '') continue;
    const inside = dash ? indent(text) > lead : indent(text) > lead || (indent(text) === lead && !text.trimStart().startsWith('-'));
    if (!inside) break;
    end = i + 1;
  }
  return { from: line, to: end };
}

function yamlLine(text) {
  const comment = /^\s*#/.test(text);
  if (comment) return h('span', { class: 'y-comment' }, text);
  const m = /^(\s*(?:-\s+)?)([^\s:#'"{}[\],][^:#]*?:)(\s|$)(.*)$/.exec(text);
  if (!m) return text;
  return [m[1], h('span', { class: 'y-key' }, m[2]), m[3], m[4]];
}

function describeThen(rule) {
  const then = rule.then ?? {};
  const r = then.reply;
  if (r) return `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''} ${r.lines?.[0] ?? ''}`.trim();
  return then.kind ?? '';
}

async function showScenario(q) {
  const seq = ++viewSeq;
  let scenario, shipped, sources;
  try {
    [scenario, shipped, sources] = await Promise.all([
      api(`${API}/scenario`),
      api(`${API}/scenarios`),
      api('/page/scenario/sources').catch(() => undefined),
    ]);
  } catch (err) {
    return showError(err, seq);
  }
  setScenarioName(scenario.name);
  const files = sources?.sources?.length ? sources.sources : [{ file: scenario.files[0] ?? 'scenario', text: scenario.yaml }];
  const wanted = q.get('rule');
  const rule = wanted ? scenario.rules.find((r) => r.id === wanted) : undefined;

  // the highlighted block: the rule's list item in its file
  const highlight = new Map();
  if (rule && !rule.pushed) {
    const fileIndex = files.findIndex((f) => f.file === rule.source.file);
    if (fileIndex >= 0) highlight.set(fileIndex, ruleBlock(files[fileIndex].text.split('\n'), rule.source.line));
  }

  const picker = h('select', { id: 'scenario-select', 'aria-label': 'shipped scenarios' }, shipped.items.map((name) => h('option', { value: name, selected: name === scenario.name }, name)));
  const switcher = h(
    'form',
    {
      class: 'switcher',
      onsubmit: async (e) => {
        e.preventDefault();
        const name = picker.value;
        try {
          const next = await api(`${API}/scenario/name/${seg(name)}`, { method: 'PUT' });
          setScenarioName(next.name);
          if (state.health) state.health.scenario = next.name;
          toast(`Switched to ${next.name}`);
          if (location.hash === '#/scenario') void showScenario(new URLSearchParams());
          else location.hash = '#/scenario';
        } catch (err) {
          toast(`Could not switch: ${err.message}`, 'error');
        }
      },
    },
    h('label', { for: 'scenario-select' }, 'Switch to a shipped scenario '),
    picker,
    ' ',
    h('button', { type: 'submit' }, 'Switch'),
    h('span', { class: 'muted' }, ' (rule state and pushed rules start over)'),
  );

  let card = null;
  if (wanted && !rule) {
    card = h(
      'div',
      { class: 'notice' },
      'The running scenario has no rule ',
      h('code', null, wanted),
      ' (it may have been replaced since, or the rule was pushed and removed). ',
      h('a', { href: `#/catalog?q=${seg(wanted.replace(/^magic:/, ''))}` }, 'Look it up in the catalog'),
      '.',
    );
  } else if (rule) {
    const other = [
      rule.times !== undefined ? `times ${rule.times}` : '',
      rule.after !== undefined ? `after ${rule.after}` : '',
      rule.probability !== undefined ? `probability ${rule.probability}` : '',
      rule.rate ? `rate ${rule.rate.limit} per ${rule.rate.windowMs} ms` : '',
      rule.per ? `per ${[rule.per].flat().join(', ')}` : '',
    ].filter(Boolean);
    card = h(
      'div',
      { class: 'rule-card', id: 'rule-card' },
      h('h3', null, 'Rule ', h('code', null, rule.id)),
      rule.description ? h('p', null, rule.description) : null,
      meta([
        ['Stages', rule.stages.join(', ')],
        ['When', rule.when.length ? rule.when.join(', ') : 'always'],
        ['Then', describeThen(rule)],
        ['Limits', other.join(' · ')],
        ['Source', rule.pushed ? 'pushed at run time (POST /api/v1/scenario/rules)' : `${rule.source.file}:${rule.source.line} (highlighted below)`],
      ]),
      rule.pushed ? h('pre', { class: 'raw' }, JSON.stringify(rule, null, 2)) : null,
    );
  }

  const ruleRows = scenario.rules.map((r) =>
    h(
      'tr',
      { class: r.id === wanted ? 'selected' : '' },
      h('td', null, h('a', { href: `#/scenario?rule=${seg(r.id)}` }, r.id)),
      h('td', null, r.stages.join(', ')),
      h('td', { class: 'ellipsis-cell' }, describeThen(r)),
      h('td', { class: 'muted' }, r.pushed ? 'pushed' : `${r.source.file.split('/').pop()}:${r.source.line}`),
    ),
  );

  const sourceViews = files.map((f, fileIndex) => {
    const block = highlight.get(fileIndex);
    const rows = f.text.split('\n').map((text, i) => {
      const n = i + 1;
      const hl = block && n >= block.from && n <= block.to;
      return h('div', { class: hl ? 'yl hl' : 'yl', id: `f${fileIndex}-L${n}` }, h('span', { class: 'ln' }, String(n)), h('span', { class: 'code' }, yamlLine(text)));
    });
    return h('section', { class: 'source' }, h('h3', null, f.file), h('div', { class: 'yaml', dataset: { file: f.file } }, rows));
  });

  const view = h(
    'section',
    { class: 'scenario' },
    head(`Scenario ${scenario.name}`),
    scenario.description ? h('p', null, scenario.description) : null,
    switcher,
    card,
    h('h3', null, `Rules (${scenario.rules.length})`),
    scenario.rules.length
      ? h('table', { class: 'rules' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'stages'), h('th', null, 'then'), h('th', null, 'source'))), h('tbody', null, ruleRows))
      : h('p', { class: 'muted' }, 'No rules: every message is accepted (magic recipients still work).'),
    sourceViews,
  );
  if (!show(seq, view)) return;
  const first = document.querySelector('.yl.hl');
  if (first) first.scrollIntoView({ block: 'center' });
  else $('detail').scrollTop = 0;
}

// ---- the catalog ---------------------------------------------------------------------------

async function showCatalog(q) {
  const seq = ++viewSeq;
  const input = h('input', { type: 'search', id: 'catalog-q', value: q.get('q') ?? '', placeholder: 'Search id, code, text or cause (e.g. dmarc, 4.2.1, quota)', 'aria-label': 'search the catalog' });
  const provider = h('select', { id: 'catalog-provider', 'aria-label': 'provider' }, h('option', { value: '' }, 'every provider'));
  const count = h('span', { class: 'muted', id: 'catalog-count' });
  const results = h('ol', { class: 'catalog', id: 'catalog-results' });

  let searchSeq = 0;
  const search = async () => {
    const mine = ++searchSeq;
    const params = new URLSearchParams();
    if (input.value.trim()) params.set('q', input.value.trim());
    if (provider.value) params.set('provider', provider.value);
    history.replaceState(null, '', `#/catalog${params.size ? `?${params}` : ''}`);
    try {
      const found = await api(`${API}/catalog${params.size ? `?${params}` : ''}`);
      if (mine !== searchSeq) return;
      count.textContent = `${plural(found.total, 'entry', 'entries')}`;
      results.replaceChildren(...found.items.map(catalogEntry));
      if (!found.items.length) results.append(h('li', { class: 'list-empty' }, 'Nothing matches.'));
    } catch (err) {
      count.textContent = `search failed: ${err.message}`;
    }
  };
  let debounce;
  input.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(search, 150);
  });
  provider.addEventListener('change', search);
  if (q.get('provider')) provider.append(h('option', { value: q.get('provider'), selected: true }, q.get('provider')));

  const view = h(
    'section',
    { class: 'catalog-view' },
    head('Catalog'),
    h('p', null, 'Replies real providers send, with their wording and cause. A rule answers with one by naming it (', h('code', null, 'then: gmail.dmarc-policy'), '), and a magic recipient replays one (', h('code', null, 'RCPT TO:<gmail.mailbox-full@example.com>'), ').'),
    explainBox(),
    h('div', { class: 'catalog-tools' }, input, provider, count),
    results,
  );
  if (!show(seq, view)) return;
  $('detail').scrollTop = 0;
  await search();
  if (!state.catalogProviders) {
    try {
      const all = await api(`${API}/catalog`);
      state.catalogProviders = [...new Set(all.items.map((e) => e.provider))].sort();
    } catch {
      state.catalogProviders = [];
    }
  }
  for (const p of state.catalogProviders) if (![...provider.options].some((o) => o.value === p)) provider.append(h('option', { value: p }, p));
}

/** Paste a bounce or log line; POST /api/v1/explain ranks the catalog entries it could be. */
function explainBox() {
  const text = h('textarea', { id: 'explain-text', rows: 3, placeholder: 'Paste a bounce or MTA log line, e.g. postfix/smtp[…]: … dsn=5.1.1, status=bounced (host … said: 550 5.1.1 …)', 'aria-label': 'bounce text or log line' });
  const status = h('span', { class: 'muted', id: 'explain-status' });
  const results = h('ol', { class: 'catalog', id: 'explain-results' });
  const run = async () => {
    if (!text.value.trim()) return void (status.textContent = 'Paste a bounce first.');
    status.textContent = 'explaining…';
    try {
      const x = await api(`${API}/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: text.value }) });
      const read = [x.parsed.code, x.parsed.enhanced].filter(Boolean).join(' ') || 'no reply code';
      status.textContent = `read as ${x.parsed.format}: ${read}${x.providers.length ? `, points at ${x.providers.join(', ')}` : ''} — ${x.matches.length ? plural(x.matches.length, 'match', 'matches') : 'no catalog entry is like it'}`;
      results.replaceChildren(...x.matches.map(explainMatch));
      if (!x.matches.length && x.next) results.append(h('li', { class: 'list-empty' }, x.next.advice));
    } catch (err) {
      status.textContent = `explain failed: ${err.message}`;
    }
  };
  return h(
    'div',
    { class: 'explain', id: 'explain' },
    h('h3', null, 'Explain a bounce'),
    text,
    h('div', { class: 'catalog-tools' }, h('button', { type: 'button', id: 'explain-go', onclick: run }, 'Explain'), status),
    results,
  );
}

function explainMatch(m) {
  const li = catalogEntry(m);
  li.querySelector('.entry-head').append(h('span', { class: 'badge explain-score', title: m.why.join(', ') }, `score ${m.score.toFixed(3)}`));
  li.append(
    h('p', { class: 'explain-next', dataset: { retry: m.next.retry } }, h('strong', null, 'Next: '), m.next.advice),
    h('p', { class: 'explain-magic' }, 'Replay it: ', h('code', null, `RCPT TO:<${m.reproduce.magicRecipient}>`)),
    h('pre', { class: 'example explain-rule' }, m.reproduce.rule),
  );
  return li;
}

function catalogEntry(e) {
  return h(
    'li',
    { class: 'entry', dataset: { id: e.id } },
    h(
      'div',
      { class: 'entry-head' },
      h('code', { class: 'entry-id' }, e.id),
      h('span', { class: `badge ${e.code >= 500 ? 'status-rejected' : e.code >= 400 ? 'status-temp' : 'status-delivered'}` }, `${e.code}${e.enhanced ? ` ${e.enhanced}` : ''}`),
      h('span', { class: 'badge' }, e.provider),
      h('span', { class: 'badge' }, `at ${e.stage}`),
      e.close ? h('span', { class: 'badge' }, 'closes the connection') : null,
      e.providerCode ? h('span', { class: 'badge' }, e.providerCode) : null,
    ),
    h('p', { class: 'entry-text' }, e.text),
    h('p', { class: 'entry-cause' }, e.cause),
    // where the wording comes from and how it was checked, best first
    h('p', { class: 'entry-sources' }, 'source: ', ...(e.sources ?? []).flatMap((s, i) => [i ? ' · ' : null, h('a', { href: s.url, rel: 'noreferrer', target: '_blank', title: s.note ?? s.url }, `${s.verified}, read ${s.date}`)])),
  );
}

// ---- the sender report card ----------------------------------------------------------------

const VERDICTS = {
  fail: { text: 'fail', badge: 'status-rejected', order: 0 },
  pass: { text: 'pass', badge: 'status-delivered', order: 1 },
  'not-exercised': { text: 'not exercised', badge: '', order: 2 },
};

/** An instant as a datetime-local input holds it: the browser's time zone, to the second. */
function localInput(iso) {
  const d = new Date(/^\d+$/.test(iso) ? Number(iso) : iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The envelope sender as a person reads it: the null sender as <>, sessions without MAIL named so. */
const senderLabel = (sender) => (sender === null ? '(no MAIL FROM)' : sender === '' ? '<>' : sender);

function verdictBadges(counts) {
  return [
    counts.fail ? h('span', { class: 'badge status-rejected' }, `${counts.fail} failed`) : null,
    h('span', { class: 'badge status-delivered' }, `${counts.pass} passed`),
    h('span', { class: 'badge' }, `${counts['not-exercised']} not exercised`),
  ];
}

function evidenceItem(e) {
  return h(
    'li',
    { class: 'evidence-item', dataset: { session: e.session } },
    h(
      'div',
      { class: 'evidence-head' },
      h('span', { class: 'evidence-detail' }, e.detail),
      h('span', { class: 'muted' }, ` · ${when(e.at)} · session `, h('a', { class: 'evidence-session', href: `#/sessions/${seg(e.session)}`, title: 'the session’s transcript' }, e.session)),
    ),
    e.lines.length ? h('pre', { class: 'evidence-lines' }, e.lines.join('\n')) : null,
  );
}

function checkItem(c, key, opened) {
  const v = VERDICTS[c.verdict] ?? { text: c.verdict, badge: '' };
  // the evidence is bounded: say so when it shows fewer than the count it stands for
  const of = c.verdict === 'fail' ? c.failed : c.passed;
  const evidenceHead = c.evidence.length < of ? `Evidence (the first ${c.evidence.length} of ${of})` : 'Evidence';
  return h(
    'li',
    { class: `check verdict-${c.verdict}`, dataset: { check: c.id } },
    h(
      'details',
      { open: opened.get(key) ?? c.verdict === 'fail', dataset: { key } },
      h(
        'summary',
        null,
        h('span', { class: `badge verdict ${v.badge}` }, v.text),
        ' ',
        h('span', { class: 'check-title' }, c.title),
        h('span', { class: 'check-counts muted' }, ` · ${c.failed} failed, ${c.passed} passed`),
      ),
      meta([
        ['Check', h('code', null, c.id)],
        ['Clause', c.clause],
        ['Remedy', c.remedy],
      ]),
      c.partial ? h('p', { class: 'notice' }, 'The time range reaches back further than what the card still keeps: these counts may be short.') : null,
      c.evidence.length
        ? [h('h4', null, evidenceHead), h('ol', { class: 'evidence' }, c.evidence.map(evidenceItem))]
        : h('p', { class: 'muted' }, c.verdict === 'not-exercised' ? 'Nothing this check grades has happened yet.' : 'No evidence kept.'),
    ),
  );
}

function senderCard(s, opened, onlyThis) {
  const id = `${s.clientIp}\n${s.sender ?? '\u0000'}`;
  const checks = [...s.checks].sort((a, b) => (VERDICTS[a.verdict]?.order ?? 3) - (VERDICTS[b.verdict]?.order ?? 3));
  const item = (c) => checkItem(c, `${id}\n${c.id}`, opened);
  const graded = checks.filter((c) => c.verdict !== 'not-exercised');
  const idle = checks.filter((c) => c.verdict === 'not-exercised');
  const idleKey = `${id}\n(idle)`;
  return h(
    'section',
    { class: `sender-report${s.summary.fail ? ' failing' : ''}`, dataset: { ip: s.clientIp, ...(s.sender === null ? {} : { sender: s.sender }) } },
    h(
      'header',
      { class: 'sender-head' },
      h('h3', null, h('code', { class: 'sender-ip' }, s.clientIp), ' ', h('code', { class: 'sender-name', title: 'the envelope sender (MAIL FROM)' }, senderLabel(s.sender))),
      verdictBadges(s.summary),
      h('span', { class: 'muted' }, `seen ${when(s.firstSeen)} – ${when(s.lastSeen)}`),
      h('button', { type: 'button', class: 'linkish only-this', onclick: () => onlyThis(s) }, 'only this one'),
    ),
    graded.length ? h('ol', { class: 'checks' }, graded.map(item)) : null,
    idle.length
      ? h('details', { class: 'idle-checks', open: opened.get(idleKey) ?? false, dataset: { key: idleKey } }, h('summary', null, `Not exercised (${idle.length})`), h('ol', { class: 'checks' }, idle.map(item)))
      : null,
  );
}

function showReport(q) {
  const seq = ++viewSeq;
  const sender = h('input', { type: 'search', id: 'report-sender', value: q.get('sender') ?? '', placeholder: 'sender address, or <>', 'aria-label': 'envelope sender' });
  const ip = h('input', { type: 'search', id: 'report-ip', value: q.get('ip') ?? '', placeholder: 'client IP', 'aria-label': 'client IP' });
  const from = h('input', { type: 'datetime-local', step: '1', id: 'report-from', value: q.get('from') ? localInput(q.get('from')) : '', 'aria-label': 'from (at or after)' });
  const to = h('input', { type: 'datetime-local', step: '1', id: 'report-to', value: q.get('to') ? localInput(q.get('to')) : '', 'aria-label': 'to (before)' });
  const junit = h('a', { id: 'report-junit', class: 'download', download: 'mockmx-report.xml', title: 'the same report as JUnit XML, for a CI dashboard' }, 'Download JUnit');
  const summary = h('div', { class: 'report-summary', id: 'report-summary' });
  const results = h('div', { id: 'report-senders' });

  /** The API's query: what is filled in; datetime-local values become instants in the browser's zone. */
  const filters = () => {
    const params = new URLSearchParams();
    if (sender.value.trim()) params.set('sender', sender.value.trim());
    if (ip.value.trim()) params.set('ip', ip.value.trim());
    for (const [key, input] of [['from', from], ['to', to]]) if (input.value) params.set(key, new Date(input.value).toISOString());
    return params;
  };

  const render = (report, filtered) => {
    // what the reader toggled survives a refresh
    const opened = new Map([...results.querySelectorAll('details[data-key]')].map((d) => [d.dataset.key, d.open]));
    const senders = [...report.senders].sort((a, b) => Number(b.summary.fail > 0) - Number(a.summary.fail > 0));
    summary.replaceChildren(h('span', null, plural(senders.length, 'sender'), ', checks:'), ...verdictBadges(report.summary).filter(Boolean), h('span', { class: 'muted' }, `as of ${when(report.generatedAt)}`));
    results.replaceChildren(
      ...(senders.length
        ? senders.map((s) => senderCard(s, opened, onlyThis))
        : [h('p', { class: 'notice', id: 'report-empty' }, filtered ? 'No sender matches these filters.' : 'Nothing graded yet: a client (IP and envelope sender) shows up here once one of its sessions has ended.')]),
    );
  };

  let loadSeq = 0;
  const load = async () => {
    const mine = ++loadSeq;
    const params = filters();
    const query = params.size ? `?${params}` : '';
    history.replaceState(null, '', `#/report${query}`);
    junit.setAttribute('href', withToken(`${API}/report?${params.size ? `${params}&` : ''}format=junit`));
    try {
      const report = await api(`${API}/report${query}`);
      if (mine === loadSeq && state.reportView === handle) render(report, params.size > 0);
    } catch (err) {
      if (mine !== loadSeq || state.reportView !== handle) return;
      const advice = err instanceof ApiError && err.body?.expected ? ` (expected ${err.body.expected})` : '';
      const text = err instanceof ApiError && err.status === 401 ? 'This mockmx needs its API token: open the page as /?token=YOUR_TOKEN.' : `Could not read the report: ${err.message}${advice}`;
      summary.replaceChildren(h('div', { class: 'notice error' }, text));
      results.replaceChildren();
    }
  };

  const onlyThis = (s) => {
    // in angle brackets the API takes the sender exactly as written, the null sender too
    sender.value = s.sender === null ? '' : `<${s.sender}>`;
    ip.value = s.clientIp;
    void load();
  };

  let refreshTimer;
  const handle = {
    /** A burst of ended sessions makes one read; nothing runs once the view is gone. */
    refresh() {
      refreshTimer ??= setTimeout(() => {
        refreshTimer = undefined;
        if (state.reportView === handle) void load();
      }, 200);
    },
  };

  const reset = async () => {
    if (!confirm('Start the report card over? Every grade and its evidence are forgotten (sessions and messages stay).')) return;
    try {
      await api(`${API}/report`, { method: 'DELETE' });
      toast('The report card starts over');
      await load();
    } catch (err) {
      toast(`Could not reset: ${err.message}`, 'error');
    }
  };

  const form = h(
    'form',
    {
      class: 'report-filters',
      id: 'report-filters',
      onsubmit: (e) => {
        e.preventDefault();
        void load();
      },
    },
    sender,
    ip,
    h('label', null, 'from ', from),
    h('label', null, 'to ', to),
    h('button', { type: 'submit' }, 'Apply'),
    h(
      'button',
      {
        type: 'button',
        class: 'subtle',
        id: 'report-clear',
        onclick: () => {
          for (const input of [sender, ip, from, to]) input.value = '';
          void load();
        },
      },
      'Clear filters',
    ),
  );

  const view = h(
    'section',
    { class: 'report' },
    head(
      'Sender report card',
      h(
        'span',
        { class: 'report-tools' },
        junit,
        h('button', { type: 'button', class: 'subtle', id: 'report-refresh', onclick: () => void load() }, 'Refresh'),
        h('button', { type: 'button', class: 'subtle danger', id: 'report-reset', onclick: reset }, 'Reset'),
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      'How each SMTP client handled the failures it met: retrying after 4xx, not resending after 5xx, 421, 452, SIZE, greylisting and protocol hygiene, with the RFC clause, the remedy and the transcript lines behind each verdict. It updates as sessions end; a check that waits for a retry turns to fail once its time is up (Refresh).',
    ),
    form,
    summary,
    results,
  );
  if (!show(seq, view)) return;
  state.reportView = handle;
  $('detail').scrollTop = 0;
  void load();
}

// ---------------------------------------------------------------------------------------------
// Start

function start() {
  for (const tab of document.querySelectorAll('[data-tab]')) {
    tab.addEventListener('click', () => {
      state.tab = tab.dataset.tab;
      renderList();
    });
  }
  $('list-filter').addEventListener('input', (e) => {
    state.filter = e.target.value;
    renderList();
  });
  $('clear-all').addEventListener('click', async () => {
    if (!confirm('Delete every message and every session transcript?')) return;
    try {
      await Promise.all([api(`${API}/messages`, { method: 'DELETE' }), api(`${API}/sessions`, { method: 'DELETE' })]);
      state.sessions.clear();
      state.messages.clear();
      toast('Cleared');
      location.hash = '#/';
      route();
    } catch (err) {
      toast(`Could not clear: ${err.message}`, 'error');
    }
  });
  window.addEventListener('hashchange', route);
  route();
  connect();
}

start();
