/**
 * The status dashboard: one self-contained HTML page (inline CSS and JS, no CDN, no
 * build step). Its script subscribes to the stream with `EventSource` and writes every
 * string that came from a check with `textContent`, never as HTML.
 *
 * The style and the script are constants so the Content-Security-Policy can allow them
 * by hash; only the escaped title and stream URL vary between pages.
 */

/** The page's stylesheet. Colour pairs meet WCAG AA (4.5:1) for text on every status. */
export const DASHBOARD_STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --paper: #ffffff; --back: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--back); }
main { max-width: 960px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.4rem; margin: 0 0 12px; overflow-wrap: anywhere; }
.summary { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
.badge { display: inline-block; min-width: 6.5em; padding: 2px 10px; border-radius: 999px; font-weight: 700; text-align: center; letter-spacing: .02em; background: #57606a; color: #ffffff; }
.overall { font-size: 1.6rem; padding: 6px 18px; }
[data-status="UP"] { background: #116329; color: #ffffff; }
[data-status="DEGRADED"] { background: #ffc01f; color: #1f2328; }
[data-status="DOWN"] { background: #b3261e; color: #ffffff; }
.facts { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; font-size: .95rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.connection { margin: 12px 0; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--line); background: var(--paper); font-weight: 600; }
.connection[data-state="lost"] { border-color: #b3261e; background: #ffebe9; color: #82071e; }
.stale .overall { outline: 3px dashed #82071e; outline-offset: 3px; }
table { width: 100%; border-collapse: collapse; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
caption { text-align: left; font-weight: 700; padding: 8px 0; }
th, td { text-align: left; padding: 8px 10px; border-top: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--back); font-size: .9rem; color: var(--muted); }
tbody th { overflow-wrap: anywhere; }
td.message { overflow-wrap: anywhere; }
td.number { font-variant-numeric: tabular-nums; white-space: nowrap; }
.empty { color: var(--muted); }
@media (max-width: 640px) {
  main { padding: 10px; }
  .overall { font-size: 1.3rem; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table, tbody, tr, td { display: block; width: 100%; }
  table { border: 0; background: none; }
  tr { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; }
  td { display: grid; grid-template-columns: 7.5em 1fr; gap: 8px; border-top: 0; padding: 4px 10px; }
  td::before { content: attr(data-label); color: var(--muted); font-weight: 600; }
  td .badge { justify-self: start; }
  td.number { white-space: normal; }
  tbody th { display: block; border-top: 0; font-size: 1.05rem; padding: 8px 10px 4px; }
}
`;

/** The page's script: EventSource on the stream, rendering with `textContent` only. */
export const DASHBOARD_SCRIPT = `
(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var main = byId('dashboard');
  var title = byId('title').textContent;
  var overall = byId('overall');
  var connection = byId('connection');
  var rows = byId('rows');
  var lastEvent = null;

  // Relative to the page's own path, trailing slashes ignored, so the page works under
  // any mount prefix: /ops/health/dashboard/ reads /ops/health/stream.
  function streamUrl(value) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.charAt(0) === '/') return value;
    return location.pathname.replace(/\\/+$/, '').replace(/[^/]*$/, '') + value;
  }

  function text(id, value) { byId(id).textContent = value; }
  function setStatus(element, status) {
    element.textContent = status;
    element.setAttribute('data-status', status);
  }
  function time(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? '' : date.toLocaleTimeString();
  }
  function span(seconds) {
    if (seconds < 120) return seconds + ' s';
    if (seconds < 7200) return Math.floor(seconds / 60) + ' min';
    if (seconds < 172800) return Math.floor(seconds / 3600) + ' h';
    return Math.floor(seconds / 86400) + ' days';
  }
  function ago(ms) {
    return span(Math.max(0, Math.round(ms / 1000))) + ' ago';
  }
  function cell(row, label, value, className) {
    var td = document.createElement('td');
    td.setAttribute('data-label', label);
    if (className) td.className = className;
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    row.appendChild(td);
    return td;
  }
  function setConnection(state, message) {
    connection.setAttribute('data-state', state);
    connection.textContent = message;
    main.classList.toggle('stale', state === 'lost');
  }
  function tick() {
    text('last-event', lastEvent === null ? 'none yet' : lastEvent.toLocaleTimeString() + ' (' + ago(Date.now() - lastEvent.getTime()) + ')');
  }

  function render(report) {
    var status = String(report.status);
    setStatus(overall, status);
    text('overall-message', typeof report.message === 'string' ? report.message : '-');
    text('version', report.version === undefined ? '-' : String(report.version));
    text('uptime', typeof report.uptimeSeconds === 'number' ? span(report.uptimeSeconds) : '-');
    document.title = status + ' - ' + title;
    var names = Object.keys(report.components || {});
    var fresh = document.createDocumentFragment();
    names.forEach(function (name) {
      var component = report.components[name] || {};
      var row = document.createElement('tr');
      row.setAttribute('data-component', name);
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = name;
      row.appendChild(th);
      var badge = document.createElement('span');
      badge.className = 'badge';
      setStatus(badge, String(component.status));
      cell(row, 'Status', badge);
      cell(row, 'Message', typeof component.message === 'string' ? component.message : '', 'message');
      cell(row, 'Duration', typeof component.durationMs === 'number' ? component.durationMs + ' ms' : '', 'number');
      var checked = cell(row, 'Last check', time(component.checkedAt), 'number');
      if (typeof component.checkedAt === 'string') checked.title = component.checkedAt;
      if (component.critical === false) cell(row, 'Critical', 'no'); else cell(row, 'Critical', 'yes');
      fresh.appendChild(row);
    });
    if (names.length === 0) {
      var row = document.createElement('tr');
      var td = cell(row, 'Components', 'No checks registered.', 'empty');
      td.colSpan = 6;
      fresh.appendChild(row);
    }
    rows.replaceChildren(fresh);
    lastEvent = new Date();
    tick();
  }

  var url = streamUrl(main.getAttribute('data-stream') || 'stream');
  var source = null;
  function connect() {
    source = new EventSource(url);
    source.addEventListener('open', function () { setConnection('live', 'Live: updates arrive as they happen.'); });
    source.addEventListener('health', function (event) {
      var report;
      try { report = JSON.parse(event.data); } catch (error) { return; }
      if (report === null || typeof report !== 'object') return;
      render(report);
      setConnection('live', 'Live: updates arrive as they happen.');
    });
    source.addEventListener('error', function () {
      setConnection('lost', 'Connection lost, retrying\\u2026 The status shown is the last one received.');
      // EventSource retries by itself unless the server answered with an error status.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, 5000);
      }
    });
  }
  setInterval(tick, 1000);
  connect();
})();
`;

/** What varies between dashboard pages. */
export interface DashboardPageOptions {
  /** Shown as the heading and in the tab title. */
  readonly title: string;
  /** The stream's URL, relative to the dashboard's path or absolute. */
  readonly streamUrl: string;
}

/** The whole HTML page, with `title` and `streamUrl` escaped. */
export function dashboardPage({ title, streamUrl }: DashboardPageOptions): string {
  const heading = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${heading}</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<main id="dashboard" data-stream="${escapeHtml(streamUrl)}">
<h1 id="title">${heading}</h1>
<section class="summary" aria-label="Overall status">
<span id="overall" class="badge overall" role="status" aria-live="polite">&hellip;</span>
<dl class="facts">
<dt>Message</dt><dd id="overall-message">-</dd>
<dt>Last event</dt><dd id="last-event">none yet</dd>
<dt>Version</dt><dd id="version">-</dd>
<dt>Uptime</dt><dd id="uptime">-</dd>
</dl>
</section>
<p id="connection" class="connection" data-state="connecting" role="status">Connecting&hellip;</p>
<table>
<caption>Components</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Message</th><th scope="col">Duration</th><th scope="col">Last check</th><th scope="col">Critical</th></tr></thead>
<tbody id="rows"></tbody>
</table>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
