import { SHUTTING_DOWN_MESSAGE } from '../runner/health.js';

/**
 * The dashboard's script, a constant so the Content-Security-Policy allows it by hash.
 *
 * Three layers, so a new view (a history timeline) is one more renderer:
 * 1. `toView(body)` reads any body the stream speaks (`components`, `health+json`,
 *    `servicekit`) into one view: `{ status, message, version, uptimeSeconds,
 *    shuttingDown, components: [{ name, status, message, durationMs, checkedAt, critical }] }`.
 *    `applyHistory(data)` reads the stream's `history` events (`kind` `full`, then `delta`)
 *    into one model per check: `{ runs: [{ at, status, durationMs }], transitions: [{ at,
 *    to, message }], uptime, flapping, percentStateChange }`, bounded like the server's.
 * 2. `state` holds what the page knows: the last view, when it came, and the connection
 *    (`connecting`, `live`, `lost` since a time, `stopped` by a deliberate shutdown).
 *    `state.history` holds the history model, `historyVersion` counts its updates.
 * 3. `renderers` each draw one part of the page from `state`; `update()` runs them all
 *    (`renderHistory` draws the strips, sparklines, uptime and badges).
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

  // ---- 1b. Reading the history events: a full one, then deltas, into one model per check.
  var HOUR_MS = 3600000;
  var MAX_RUNS = 3600;
  var MAX_TRANSITIONS = 200;
  function listOf(value) { return Array.isArray(value) ? value : []; }
  function transitionsOf(value) {
    return listOf(value).filter(isObject).map(function (t) {
      return { at: Date.parse(t.at), to: statusOf(t.to), message: textOf(t.message) };
    }).filter(function (t) { return !isNaN(t.at); });
  }
  function runsOf(value) {
    var runs = isObject(value) ? value : {};
    var at = listOf(runs.at), status = listOf(runs.status), duration = listOf(runs.durationMs);
    var list = [];
    for (var i = 0; i < at.length; i++) {
      if (typeof at[i] === 'number') list.push({ at: at[i], status: statusOf(status[i]), durationMs: typeof duration[i] === 'number' ? duration[i] : 0 });
    }
    return list;
  }
  function keepLast(list, max) { return list.length > max ? list.slice(list.length - max) : list; }
  function applyEntry(entry, data, fresh) {
    var runs = runsOf(data.runs), transitions = transitionsOf(data.transitions);
    entry.runs = keepLast(fresh ? runs : entry.runs.concat(runs), MAX_RUNS);
    entry.transitions = keepLast(fresh ? transitions : entry.transitions.concat(transitions), MAX_TRANSITIONS);
    entry.uptime = isObject(data.uptime) ? data.uptime : {};
    entry.flapping = data.flapping === true;
    entry.percentStateChange = typeof data.percentStateChange === 'number' ? data.percentStateChange : 0;
  }
  function applyHistory(data) {
    if (!isObject(data) || (data.kind !== 'full' && data.kind !== 'delta')) return false;
    var generatedAt = Date.parse(data.generatedAt);
    if (isNaN(generatedAt)) return false;
    var full = data.kind === 'full' || state.history === null;
    if (data.kind === 'delta' && state.history === null) return false;
    var history = full ? { checks: {}, names: [], service: { runs: [], transitions: [], uptime: {} } } : state.history;
    applyEntry(history.service, isObject(data.service) ? data.service : {}, full);
    entries(data.checks).forEach(function (entry) {
      if (!isObject(entry[1])) return;
      var known = Object.prototype.hasOwnProperty.call(history.checks, entry[0]);
      if (!known) { history.checks[entry[0]] = { runs: [], transitions: [] }; history.names.push(entry[0]); }
      applyEntry(history.checks[entry[0]], entry[1], full || !known);
    });
    listOf(data.removed).forEach(function (name) {
      if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(history.checks, name)) return;
      delete history.checks[name];
      history.names = history.names.filter(function (n) { return n !== name; });
    });
    // The server's clock, so the strips end at the service's now, whatever the browser's clock says.
    history.offsetMs = generatedAt - Date.now();
    state.history = history;
    state.historyVersion++;
    return true;
  }

  // ---- 2. What the page knows.
  var state = { view: null, receivedAt: null, connection: 'connecting', since: null, history: null, historyVersion: 0 };
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

  // The history: per check a status strip (one rect per status held, DOWN red, each with a
  // <title>), a latency sparkline (one point per run), uptime over 5 min and 1 h, a
  // flapping badge; the service's strip on top. SVG built with DOM calls, text as text.
  var SVG = 'http://www.w3.org/2000/svg';
  var STRIP_WIDTH = 1000;
  var MIN_SEGMENT = 3;
  function svg(tag, attributes) {
    var element = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, String(attributes[name])); });
    return element;
  }
  function titled(element, value) {
    var title = document.createElementNS(SVG, 'title');
    title.textContent = value;
    element.appendChild(title);
    return element;
  }
  function percent(share) {
    if (!isObject(share) || typeof share.up !== 'number') return '-';
    // Rounded down: 99.96 % is not shown as 100 %.
    return share.up >= 1 ? '100%' : (Math.floor(share.up * 1000) / 10).toFixed(1) + '%';
  }
  function segmentsOf(transitions, start, end) {
    var segments = [];
    transitions.forEach(function (t, i) {
      var next = transitions[i + 1];
      var to = next === undefined ? end : Math.min(next.at, end);
      var from = Math.max(t.at, start);
      if (to > from || (next === undefined && t.at <= end)) segments.push({ from: from, to: Math.max(from, to), status: t.to, message: t.message });
    });
    return segments;
  }
  function strip(entry, start, end, label) {
    var element = svg('svg', { class: 'strip', viewBox: '0 0 ' + STRIP_WIDTH + ' 10', preserveAspectRatio: 'none', role: 'img' });
    titled(element, label + ': status over the ' + span(Math.round((end - start) / 1000)));
    var scale = STRIP_WIDTH / Math.max(1, end - start);
    segmentsOf(entry.transitions, start, end).forEach(function (segment) {
      var x = (segment.from - start) * scale;
      var width = Math.max((segment.to - segment.from) * scale, segment.status === 'UP' ? 0 : MIN_SEGMENT);
      var rect = svg('rect', { x: Math.min(x, STRIP_WIDTH - width), y: 0, width: width, height: 10, class: 'seg', 'data-status': segment.status, 'data-from': segment.from, 'data-to': segment.to });
      var seconds = Math.round((segment.to - segment.from) / 1000);
      titled(rect, segment.status + ' ' + clock(new Date(segment.from)) + ' - ' + clock(new Date(segment.to)) + ' (' + span(seconds) + ')' + (segment.message === undefined ? '' : ': ' + segment.message));
      element.appendChild(rect);
    });
    return element;
  }
  function sparkline(entry, start, end) {
    var runs = entry.runs.filter(function (run) { return run.at >= start; });
    var max = runs.reduce(function (m, run) { return Math.max(m, run.durationMs); }, 0);
    var element = svg('svg', { class: 'spark', viewBox: '0 0 200 24', preserveAspectRatio: 'none', role: 'img', 'data-runs': runs.length, 'data-last': runs.length === 0 ? 0 : runs[runs.length - 1].at });
    var last = runs.length === 0 ? undefined : runs[runs.length - 1];
    titled(element, runs.length === 0 ? 'no runs yet' : 'latency of ' + runs.length + ' runs: last ' + last.durationMs + ' ms, max ' + max + ' ms');
    var scale = 200 / Math.max(1, end - start);
    var points = runs.map(function (run) {
      var y = max === 0 ? 22 : 22 - (run.durationMs / max) * 20;
      return (Math.round((run.at - start) * scale * 10) / 10) + ',' + (Math.round(y * 10) / 10);
    });
    element.appendChild(svg('polyline', { class: 'line', points: points.join(' ') }));
    return element;
  }
  function historyRow(name, entry, start, end, service) {
    var row = document.createElement('li');
    row.className = service ? 'hrow service' : 'hrow';
    if (!service) row.setAttribute('data-check', name);
    var label = document.createElement('span');
    label.className = 'hname';
    label.textContent = name;
    row.appendChild(label);
    row.appendChild(strip(entry, start, end, name));
    if (service) row.appendChild(document.createElement('span'));
    else row.appendChild(sparkline(entry, start, end));
    var uptime = document.createElement('span');
    uptime.className = 'hup';
    ['5m', '1h'].forEach(function (window) {
      var figure = document.createElement('span');
      figure.setAttribute('data-window', window);
      figure.textContent = (window === '5m' ? '5 min ' : '1 h ') + percent(entry.uptime[window]);
      var share = entry.uptime[window];
      if (isObject(share) && typeof share.upOrDegraded === 'number') figure.title = 'UP ' + percent(share) + ', UP or DEGRADED ' + percent({ up: share.upOrDegraded }) + ' of the last ' + span(Math.round(share.coveredSeconds || 0));
      uptime.appendChild(figure);
    });
    row.appendChild(uptime);
    var flap = document.createElement('span');
    flap.className = 'flap';
    if (entry.flapping) {
      flap.textContent = 'FLAPPING';
      flap.title = 'state changed in ' + entry.percentStateChange + '% of the last runs';
    }
    row.appendChild(flap);
    return row;
  }
  var drawnVersion = -1;
  var drawnAt = 0;
  function renderHistory() {
    var history = state.history;
    var section = byId('history');
    section.hidden = history === null;
    if (history === null) return;
    var now = Date.now() + history.offsetMs;
    // Redrawn on new data, and every few seconds so the strips keep moving.
    if (drawnVersion === state.historyVersion && now - drawnAt < 5000) return;
    drawnVersion = state.historyVersion;
    drawnAt = now;
    var first = now;
    [history.service].concat(history.names.map(function (n) { return history.checks[n]; })).forEach(function (entry) {
      if (entry.transitions.length > 0) first = Math.min(first, entry.transitions[0].at);
      if (entry.runs.length > 0) first = Math.min(first, entry.runs[0].at);
    });
    // The last hour, or less while the history is younger, so a short outage stays visible.
    var start = Math.max(now - HOUR_MS, first);
    text('history-span', span(Math.round((now - start) / 1000)));
    text('history-start', clock(new Date(start)));
    text('history-end', clock(new Date(now)));
    var fresh = document.createDocumentFragment();
    fresh.appendChild(historyRow('Service', history.service, start, now, true));
    history.names.forEach(function (name) { fresh.appendChild(historyRow(name, history.checks[name], start, now, false)); });
    byId('history-rows').replaceChildren(fresh);
  }
  var renderers = [renderSummary, renderClock, renderConnection, renderHistory, renderComponents];
  function update() { renderers.forEach(function (render) { render(state); }); }

  // ---- The stream.
  function receivedHistory(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (error) { return; }
    if (applyHistory(data)) renderHistory();
  }
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
  // The history comes on the same stream when asked (a stream that keeps none ignores it).
  function withHistory(value) {
    var hash = value.indexOf('#');
    var base = hash === -1 ? value : value.slice(0, hash);
    if (/[?&]history=/.test(base)) return value;
    return base + (base.indexOf('?') === -1 ? '?' : '&') + 'history=1' + (hash === -1 ? '' : value.slice(hash));
  }
  var url = withHistory(streamUrl(main.getAttribute('data-stream') || 'stream'));
  var source = null;
  function connect() {
    source = new EventSource(url);
    // Named 'health' events, and unnamed ones (a servicekit stream).
    source.addEventListener('health', received);
    source.addEventListener('message', received);
    source.addEventListener('history', receivedHistory);
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
