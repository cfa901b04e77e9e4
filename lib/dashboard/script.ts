import { SHUTTING_DOWN_MESSAGE } from '../runner/health.js';

/**
 * The dashboard's script, a constant so the Content-Security-Policy allows it by hash.
 *
 * Three layers, so a new view (a history timeline) is one more renderer:
 * 1. `toView(body)` reads any body the stream speaks (`components`, `health+json`,
 *    `servicekit`) into one view: `{ status, message, version, uptimeSeconds,
 *    shuttingDown, components: [{ name, status, message, durationMs, checkedAt, critical }] }`.
 * 2. `state` holds what the page knows: the last view, when it came, and the connection
 *    (`connecting`, `live`, `lost` since a time, `stopped` by a deliberate shutdown).
 * 3. `renderers` each draw one part of the page from `state`; `update()` runs them all.
 *
 * Every string that came from the service is written with `textContent`, never as HTML.
 */
export const DASHBOARD_SCRIPT = `
(function () {
  'use strict';
  var SHUTDOWN_MESSAGE = ${JSON.stringify(SHUTTING_DOWN_MESSAGE)};
  var LONG_NAME = 32;
  var REASON_LENGTH = 80;
  var byId = function (id) { return document.getElementById(id); };
  var main = byId('dashboard');
  var title = main.getAttribute('data-title') || '';
  var instance = main.getAttribute('data-instance') || '';

  // ---- 1. Reading the stream: every format becomes one view.
  var STATUSES = {
    UP: 'UP', DEGRADED: 'DEGRADED', DOWN: 'DOWN',
    pass: 'UP', warn: 'DEGRADED', fail: 'DOWN',
    healthy: 'UP', degraded: 'DEGRADED', unhealthy: 'DOWN'
  };
  function statusOf(value) {
    return typeof value === 'string' && Object.prototype.hasOwnProperty.call(STATUSES, value) ? STATUSES[value] : 'UNKNOWN';
  }
  function textOf(value) { return typeof value === 'string' ? value : undefined; }
  function isObject(value) { return value !== null && typeof value === 'object' && !Array.isArray(value); }
  function entries(object) {
    return isObject(object) ? Object.keys(object).map(function (key) { return [key, object[key]]; }) : [];
  }
  function componentsOf(body, format) {
    if (format === 'servicekit') {
      return entries(body.checks).map(function (entry) {
        var check = isObject(entry[1]) ? entry[1] : {};
        return { name: entry[0], status: statusOf(check.state), message: textOf(check.message) };
      });
    }
    if (format === 'health+json') {
      return entries(body.checks).map(function (entry) {
        var check = Array.isArray(entry[1]) && isObject(entry[1][0]) ? entry[1][0] : {};
        return {
          name: textOf(check.componentId) || entry[0].replace(/:[^:]*$/, ''),
          status: statusOf(check.status),
          message: textOf(check.output),
          durationMs: check.observedUnit === 'ms' ? check.observedValue : undefined,
          checkedAt: textOf(check.time)
        };
      });
    }
    return entries(body.components).map(function (entry) {
      var component = isObject(entry[1]) ? entry[1] : {};
      return {
        name: entry[0],
        status: statusOf(component.status),
        message: textOf(component.message),
        durationMs: component.durationMs,
        checkedAt: textOf(component.checkedAt),
        critical: component.critical
      };
    });
  }
  function toView(body) {
    if (!isObject(body)) return null;
    var status = statusOf(body.status);
    if (status === 'UNKNOWN') return null;
    var format = body.status === status ? 'components' : /^(pass|warn|fail)$/.test(body.status) ? 'health+json' : 'servicekit';
    var message = format === 'health+json' ? textOf(body.output) : textOf(body.message);
    return {
      status: status,
      message: message,
      version: format === 'health+json' ? textOf(body.releaseId) : textOf(body.version),
      uptimeSeconds: typeof body.uptimeSeconds === 'number' ? body.uptimeSeconds : undefined,
      shuttingDown: status === 'DOWN' && message === SHUTDOWN_MESSAGE,
      components: componentsOf(body, format)
    };
  }
  function shorten(text, length) { return text.length > length ? text.slice(0, length - 1) + '\u2026' : text; }
  // Why the service is not UP: its own message, else each component that is not UP (its
  // message shortened: the table below has it whole).
  function reason(view) {
    if (view.message !== undefined) return view.message;
    if (view.status === 'UP') return '-';
    var parts = view.components.filter(function (c) { return c.status !== 'UP'; }).map(function (c) {
      return c.name + ' ' + c.status + (c.message === undefined ? '' : ': ' + shorten(c.message, REASON_LENGTH));
    });
    return parts.length === 0 ? '-' : parts.join('; ');
  }

  // ---- 2. What the page knows.
  var state = { view: null, receivedAt: null, connection: 'connecting', since: null };
  function shownStatus() {
    if (state.connection === 'stopped') return 'STOPPED';
    if (state.connection === 'lost') return 'UNKNOWN';
    return state.view === null ? null : state.view.status;
  }

  // ---- 3. Drawing the page from the state.
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(date) { return pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds()); }
  function time(iso) {
    var date = new Date(iso);
    return iso === undefined || isNaN(date.getTime()) ? '' : clock(date);
  }
  function span(seconds) {
    if (seconds < 120) return seconds + ' s';
    if (seconds < 7200) return Math.floor(seconds / 60) + ' min';
    if (seconds < 172800) return Math.floor(seconds / 3600) + ' h';
    return Math.floor(seconds / 86400) + ' days';
  }
  function ago(ms) { return span(Math.max(0, Math.round(ms / 1000))) + ' ago'; }
  function text(id, value) { byId(id).textContent = value; }
  function setStatus(element, status) {
    element.textContent = status === null ? '\\u2026' : status;
    if (status === null) element.removeAttribute('data-status'); else element.setAttribute('data-status', status);
  }
  function cell(row, label, value, className) {
    var td = document.createElement('td');
    td.setAttribute('data-label', label);
    if (className) td.className = className;
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    row.appendChild(td);
    return td;
  }

  function renderSummary() {
    var status = shownStatus();
    var view = state.view;
    setStatus(byId('overall'), status);
    var note = '';
    if (state.connection === 'lost') note = 'unknown since ' + clock(state.since) + (view === null ? '' : ', last seen ' + view.status);
    if (state.connection === 'stopped') note = 'stopped at ' + clock(state.since) + ' (deliberate shutdown)';
    text('overall-note', note);
    text('overall-message', view === null ? '-' : reason(view));
    text('version', view === null || view.version === undefined ? '-' : view.version);
    text('uptime', view === null || view.uptimeSeconds === undefined ? '-' : span(view.uptimeSeconds));
    document.title = (status === null ? '' : status + ' - ') + title + (instance ? ' @ ' + instance : '');
    main.classList.toggle('stale', state.connection === 'lost' || state.connection === 'stopped');
  }
  function renderClock() {
    var at = state.receivedAt;
    text('last-event', at === null ? 'none yet' : clock(at) + ' (' + ago(Date.now() - at.getTime()) + ')');
  }
  function renderConnection() {
    var connection = byId('connection');
    var messages = {
      connecting: 'Connecting\\u2026',
      live: 'Live: updates arrive as they happen.',
      lost: 'Connection lost, retrying\\u2026 ' + (state.receivedAt === null ? 'Nothing received yet' : 'Last report received at ' + clock(state.receivedAt)) + ': the status is unknown.',
      stopped: 'The service shut down at ' + (state.since ? clock(state.since) : '') + ' (a deliberate stop, not a failure). Waiting for it to come back\\u2026'
    };
    connection.setAttribute('data-state', state.connection);
    connection.textContent = messages[state.connection];
  }
  function renderComponents() {
    var view = state.view;
    if (view === null) return;
    var fresh = document.createDocumentFragment();
    view.components.forEach(function (component) {
      var row = document.createElement('tr');
      row.setAttribute('data-component', component.name);
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = component.name;
      if (component.name.length > LONG_NAME) th.className = 'long';
      row.appendChild(th);
      var badge = document.createElement('span');
      badge.className = 'badge';
      setStatus(badge, component.status);
      cell(row, 'Status', badge);
      cell(row, 'Message', component.message === undefined ? '' : component.message, 'message');
      cell(row, 'Duration', typeof component.durationMs === 'number' ? component.durationMs + ' ms' : '', 'number');
      var checked = cell(row, 'Last check', time(component.checkedAt), 'number');
      if (component.checkedAt !== undefined) checked.title = component.checkedAt;
      cell(row, 'Critical', component.critical === false ? 'no' : component.critical === true ? 'yes' : '-');
      fresh.appendChild(row);
    });
    if (view.components.length === 0) {
      var row = document.createElement('tr');
      var td = cell(row, 'Components', 'No checks registered.', 'empty');
      td.colSpan = 6;
      fresh.appendChild(row);
    }
    byId('rows').replaceChildren(fresh);
  }
  var renderers = [renderSummary, renderClock, renderConnection, renderComponents];
  function update() { renderers.forEach(function (render) { render(state); }); }

  // ---- The stream.
  function received(event) {
    var view;
    try { view = toView(JSON.parse(event.data)); } catch (error) { return; }
    if (view === null) return;
    var now = new Date();
    if (view.shuttingDown) {
      if (state.connection !== 'stopped') state.since = now;
      state.connection = 'stopped';
    } else {
      state.connection = 'live';
      state.since = null;
    }
    state.view = view;
    state.receivedAt = now;
    update();
  }
  // Relative to the page's own path, trailing slashes ignored, so the page works under
  // any mount prefix: /ops/health/dashboard/ reads /ops/health/stream.
  function streamUrl(value) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.charAt(0) === '/') return value;
    return location.pathname.replace(/\\/+$/, '').replace(/[^/]*$/, '') + value;
  }
  var url = streamUrl(main.getAttribute('data-stream') || 'stream');
  var source = null;
  function connect() {
    source = new EventSource(url);
    // Named 'health' events, and unnamed ones (a servicekit stream).
    source.addEventListener('health', received);
    source.addEventListener('message', received);
    source.addEventListener('error', function () {
      // After a deliberate shutdown the stream ends and reconnecting fails: still stopped.
      if (state.connection !== 'stopped' && state.connection !== 'lost') {
        state.connection = 'lost';
        state.since = new Date();
        update();
      }
      // EventSource retries by itself unless the server answered with an error status.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, 5000);
      }
    });
  }
  update();
  setInterval(renderClock, 1000);
  connect();
})();
`;
