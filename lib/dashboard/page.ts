import { DASHBOARD_SCRIPT } from './script.js';
import { DASHBOARD_STYLE } from './style.js';

/**
 * The status dashboard: one self-contained HTML page (inline CSS and JS, no CDN, no
 * build step). Its script ({@link DASHBOARD_SCRIPT}) subscribes to the stream with
 * `EventSource` and writes every string that came from a check with `textContent`,
 * never as HTML.
 *
 * The style and the script are constants so the Content-Security-Policy can allow them
 * by hash; only the escaped title, instance and stream URL vary between pages.
 */

/** What varies between dashboard pages. */
export interface DashboardPageOptions {
  /** Shown as the heading and in the tab title. */
  readonly title: string;
  /** Which instance this is: shown beside the title and in the tab title. */
  readonly instance: string;
  /** The stream's URL, relative to the dashboard's path or absolute. */
  readonly streamUrl: string;
}

/** The whole HTML page, with `title`, `instance` and `streamUrl` escaped. */
export function dashboardPage({ title, instance, streamUrl }: DashboardPageOptions): string {
  const heading = escapeHtml(title);
  const host = escapeHtml(instance);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${heading} @ ${host}</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<main id="dashboard" data-stream="${escapeHtml(streamUrl)}" data-title="${heading}" data-instance="${host}">
<h1><span id="title">${heading}</span> <span id="instance" class="instance">${host}</span></h1>
<section class="summary" aria-label="Overall status">
<div class="headline">
<span id="overall" class="badge overall" role="status" aria-live="polite">&hellip;</span>
<p id="overall-note" class="note"></p>
</div>
<dl class="facts">
<dt>Message</dt><dd id="overall-message">-</dd>
<dt>Last event</dt><dd id="last-event">none yet</dd>
<dt>Instance</dt><dd id="instance-name">${host}</dd>
<dt>Version</dt><dd id="version">-</dd>
<dt>Uptime</dt><dd id="uptime">-</dd>
</dl>
</section>
<p id="connection" class="connection" data-state="connecting" role="status">Connecting&hellip;</p>
<section id="history" class="history" aria-labelledby="history-heading" hidden>
<h2 id="history-heading">History, last <span id="history-span">hour</span></h2>
<p class="hrow axis" aria-hidden="true"><span></span><span class="ticks"><span id="history-start"></span><span id="history-end"></span></span></p>
<ol id="history-rows" class="history-rows"></ol>
</section>
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
