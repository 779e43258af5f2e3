// agentflow ui: sessions, waterfall, event graph, inspector, agents, dead letters, live tail.
(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token');
  var withToken = function (p) { return token ? p + (p.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(token) : p; };
  var api = function (p, init) { return fetch(withToken(p), init).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); }); };
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  var SVG = 'http://www.w3.org/2000/svg';
  var svg = function (tag, attrs) { var e = document.createElementNS(SVG, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; };
  var state = { session: null, trace: null, selected: null, info: null, view: 'waterfall', page: 'sessions' };
  var ms = function (v) { return v === null || v === undefined ? '–' : (v < 10 && !Number.isInteger(v) ? v.toFixed(1) : Math.round(v)) + ' ms'; };

  function loadInfo() {
    return api('/api/info').then(function (info) {
      state.info = info;
      $('source').textContent = info.source;
      var b = $('banner');
      if (info.dropped > 0) { b.style.display = 'block'; b.textContent = info.dropped + ' trace entries were dropped (bounds or an unreadable file): the view is incomplete'; }
      if (!info.deadLetters) $('tab-dead').style.display = 'none';
    });
  }

  function loadSessions() {
    var q = $('search').value;
    return api('/api/sessions' + (q ? '?q=' + encodeURIComponent(q) : '')).then(function (list) {
      var box = $('sessions');
      box.textContent = '';
      if (list.length === 0) { box.appendChild(el('div', 'empty', q ? 'nothing matches' : 'no sessions yet')); return; }
      list.forEach(function (s) {
        var row = el('div', 'session' + (s.failed ? ' failed' : s.inFlight ? ' live' : '') + (s.sessionId === state.session ? ' selected' : ''));
        row.dataset.session = s.sessionId;
        row.appendChild(el('div', 'id', s.sessionId));
        row.appendChild(el('div', 'meta', s.events + ' events · ' + s.failed + ' failed' + (s.inFlight ? ' · ' + s.inFlight + ' running' : '') + ' · ' + (s.last - s.first) + ' ms' + (s.matchedEvent ? ' · event ' + s.matchedEvent.slice(0, 8) : '')));
        row.onclick = function () { openSession(s.sessionId); };
        box.appendChild(row);
      });
    });
  }

  function openSession(id) {
    state.session = id;
    state.selected = null;
    $('inspector').textContent = '';
    $('inspector').appendChild(el('div', 'empty', 'click an event to inspect it'));
    return api('/api/sessions/' + encodeURIComponent(id)).then(function (t) { state.trace = t; render(); loadSessions(); });
  }

  // One row per event: its final attempt's run, the wait before it, and events still in flight.
  function rowsOf(t) {
    var retries = {};
    t.entries.forEach(function (e) { if (e.type === 'retry') (retries[e.eventId] = retries[e.eventId] || []).push(e); });
    var rows = t.entries.filter(function (e) { return e.type === 'event_end'; }).map(function (e) {
      var start = e.timestamp - (e.durationMs || 0), wait = e.queueWaitMs, rs = retries[e.eventId];
      if (wait === undefined && rs && rs.length) { var last = rs[rs.length - 1]; if (last.detail && typeof last.detail.delayMs === 'number') wait = Math.max(0, start - (last.timestamp + last.detail.delayMs)); }
      return { id: e.eventId, parent: e.parentEventId, agent: e.agentId || '(none)', start: start, dur: e.durationMs || 0, wait: wait || 0, status: e.status, attempt: e.attempt, code: e.error && e.error.code };
    });
    var now = Date.now(), seen = {};
    rows.forEach(function (r) { seen[r.id] = true; });
    t.pending.forEach(function (p) { if (!seen[p.eventId]) rows.push({ id: p.eventId, parent: p.parentEventId, agent: p.agentId || '(none)', start: p.since, dur: now - p.since, wait: 0, status: 'running' }); });
    rows.sort(function (a, b) { return (a.start - a.wait) - (b.start - b.wait); });
    return rows;
  }

  function render() { if (state.view === 'graph') renderGraph(); else renderWaterfall(); }

  function renderWaterfall() {
    var t = state.trace, box = $('waterfall');
    box.textContent = '';
    if (!t) return;
    var rows = rowsOf(t);
    if (rows.length === 0) { box.appendChild(el('div', 'empty', 'no events yet')); return; }
    var t0 = Math.min.apply(null, rows.map(function (r) { return r.start - r.wait; })), t1 = Math.max.apply(null, rows.map(function (r) { return r.start + r.dur; }));
    var span = Math.max(1, t1 - t0);
    box.appendChild(el('div', 'meta', 'session ' + state.session + ' · ' + rows.length + ' events · ' + span + ' ms · hatched: queued, solid: running'));
    // One lane per chain: the events that descend from the same root event, in order.
    var byId = {}, rootOf = function (r, guard) { var p = r.parent && byId[r.parent]; return p && guard < 500 ? rootOf(p, guard + 1) : r; };
    rows.forEach(function (r) { byId[r.id] = r; });
    var lanes = [], laneOf = {};
    rows.forEach(function (r) { var root = rootOf(r, 0).id; if (!laneOf[root]) { laneOf[root] = []; lanes.push(laneOf[root]); } laneOf[root].push(r); });
    rows = [];
    lanes.forEach(function (lane, i) { if (lanes.length > 1) lane[0].lane = 'chain ' + (i + 1) + ' · ' + lane.length + ' event' + (lane.length === 1 ? '' : 's'); rows = rows.concat(lane); });
    rows.forEach(function (r) {
      if (r.lane) box.appendChild(el('div', 'lane', r.lane));
      var row = el('div', 'row' + (r.id === state.selected ? ' selected' : ''));
      row.dataset.event = r.id;
      row.dataset.status = r.status;
      row.appendChild(el('div', 'agent', r.agent + (r.attempt > 1 ? ' ×' + r.attempt : '')));
      var track = el('div', 'track');
      if (r.wait > 0) {
        var w = el('div', 'wait');
        w.style.left = ((r.start - r.wait - t0) / span * 100) + '%';
        w.style.width = (r.wait / span * 100) + '%';
        w.title = 'queued ' + r.wait + ' ms';
        track.appendChild(w);
      }
      var bar = el('div', 'bar' + (r.status === 'running' ? ' live' : r.status === 'completed' ? '' : ' fail'));
      bar.style.left = ((r.start - t0) / span * 100) + '%';
      bar.style.width = (r.dur / span * 100) + '%';
      bar.title = r.status + ' · ran ' + r.dur + ' ms';
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el('div', 'dur', r.status === 'running' ? 'running' : r.dur + ' ms' + (r.wait ? ' · ' + r.wait + ' queued' : '')));
      row.onclick = function () { inspect(r.id); };
      box.appendChild(row);
    });
  }

  // The event graph: events laid out by depth along parent_event links (chains left to right, fan-out stacked).
  function renderGraph() {
    var t = state.trace, box = $('waterfall');
    box.textContent = '';
    if (!t) return;
    var rows = rowsOf(t), byId = {}, depth = {}, cols = [];
    if (rows.length === 0) { box.appendChild(el('div', 'empty', 'no events yet')); return; }
    rows.forEach(function (r) { byId[r.id] = r; });
    var depthOf = function (r, guard) { if (depth[r.id] !== undefined) return depth[r.id]; var p = r.parent && byId[r.parent]; var d = p && guard < 500 ? depthOf(p, guard + 1) + 1 : 0; depth[r.id] = d; return d; };
    rows.forEach(function (r) { var d = depthOf(r, 0); (cols[d] = cols[d] || []).push(r); });
    var W = 170, H = 40, GX = 60, GY = 14, pos = {};
    cols.forEach(function (col, d) { col.forEach(function (r, i) { pos[r.id] = { x: 10 + d * (W + GX), y: 10 + i * (H + GY) }; }); });
    var height = 20 + Math.max.apply(null, cols.map(function (c) { return c.length; })) * (H + GY), width = 20 + cols.length * (W + GX);
    var g = svg('svg', { width: width, height: height, id: 'graph' });
    rows.forEach(function (r) {
      if (!r.parent || !pos[r.parent]) return;
      var a = pos[r.parent], b = pos[r.id], x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      g.appendChild(svg('path', { d: 'M' + x1 + ',' + y1 + ' C' + (x1 + GX / 2) + ',' + y1 + ' ' + (x2 - GX / 2) + ',' + y2 + ' ' + x2 + ',' + y2, class: 'edge' + (r.status === 'completed' || r.status === 'running' ? '' : ' fail') }));
    });
    rows.forEach(function (r) {
      var p = pos[r.id], node = svg('g', { class: 'node ' + (r.status || ''), transform: 'translate(' + p.x + ',' + p.y + ')', 'data-event': r.id, 'data-status': r.status });
      node.appendChild(svg('rect', { width: W, height: H, rx: 6 }));
      var name = svg('text', { x: 8, y: 16 }); name.textContent = r.agent + (r.attempt > 1 ? ' ×' + r.attempt : '');
      var sub = svg('text', { x: 8, y: 32, class: 'sub' }); sub.textContent = (r.code || r.status) + (r.status === 'running' ? '' : ' · ' + r.dur + ' ms');
      node.appendChild(name); node.appendChild(sub);
      node.addEventListener('click', function () { inspect(r.id); });
      g.appendChild(node);
    });
    box.appendChild(el('div', 'meta', 'session ' + state.session + ' · ' + rows.length + ' events along parent links · click a node to inspect it'));
    box.appendChild(g);
  }

  function kv(table, k, before, after, cls) {
    var tr = el('tr', cls);
    tr.appendChild(el('td', 'key', k));
    tr.appendChild(el('td', '', before === undefined ? '' : JSON.stringify(before)));
    tr.appendChild(el('td', '', after === undefined ? '' : JSON.stringify(after)));
    table.appendChild(tr);
  }

  // Input → output: keys added, removed and changed (data, then metadata).
  function diffTable(input, output) {
    var table = el('table', 'diff');
    var head = el('tr'); ['key', 'input', 'output'].forEach(function (h) { head.appendChild(el('th', '', h)); }); table.appendChild(head);
    [['data', input.data || {}, output.data || {}], ['metadata', input.metadata || {}, output.metadata || {}]].forEach(function (part) {
      var a = part[1], b = part[2], keys = {}, k;
      if (typeof a !== 'object' || typeof b !== 'object') { kv(table, part[0], a, b, 'changed'); return; }
      for (k in a) keys[k] = true;
      for (k in b) keys[k] = true;
      Object.keys(keys).sort().forEach(function (key) {
        var x = a[key], y = b[key], cls = x === undefined ? 'added' : y === undefined ? 'removed' : JSON.stringify(x) === JSON.stringify(y) ? 'same' : 'changed';
        if (part[0] === 'metadata' && cls === 'same') return;
        kv(table, (part[0] === 'metadata' ? 'meta.' : '') + key, x, y, cls);
      });
    });
    return table;
  }

  function describe(e) {
    var d = e.detail || {}, s = e.type + (e.hook ? ':' + e.hook : '');
    if (e.type === 'retry') s += ' → attempt ' + (d.nextAttempt || '?') + ' in ' + d.delayMs + ' ms';
    else if (e.type === 'tool_call' || e.type === 'tool_result') s += ' ' + d.tool + (e.type === 'tool_result' ? (d.ok ? ' ok' : ' failed') : '');
    else if (e.type === 'handoff') s += ' → ' + d.to;
    if (e.status) s += ' ' + e.status;
    if (e.error) s += ' ' + e.error.code;
    return s;
  }

  function inspect(eventId) {
    state.selected = eventId;
    document.querySelectorAll('.row.selected').forEach(function (r) { r.classList.remove('selected'); });
    api('/api/events/' + encodeURIComponent(eventId)).then(function (v) { showEvent(eventId, v); }, function (err) {
      var box = $('inspector'); box.textContent = ''; box.appendChild(el('div', 'empty', err.message));
    });
  }

  function showEvent(eventId, v) {
    var box = $('inspector');
    box.textContent = '';
    var entries = v.entries.slice().sort(function (a, b) { return a.timestamp - b.timestamp; });
    var end = entries.filter(function (e) { return e.type === 'event_end'; })[0];
    var h = el('h3', '', (end ? end.agentId : v.pending ? v.pending.agentId : '') + ' · event ' + eventId);
    box.appendChild(h);
    var facts = el('p', 'facts');
    if (end) {
      facts.appendChild(el('span', 'status ' + end.status, end.status));
      facts.appendChild(document.createTextNode(' · ran ' + ms(end.durationMs) + (end.queueWaitMs !== undefined ? ' · queued ' + ms(end.queueWaitMs) : '') + ' · attempt ' + (end.attempt || 1) + (end.hopCount ? ' · hop ' + end.hopCount : '') + (end.parentEventId ? ' · from ' + end.parentEventId.slice(0, 8) : '')));
    } else if (v.pending) facts.appendChild(el('span', 'status running', 'running since ' + new Date(v.pending.since).toISOString()));
    box.appendChild(facts);
    if (end && end.error) {
      var p = el('p');
      p.appendChild(el('span', 'code', end.error.code));
      p.appendChild(document.createTextNode(' ' + (end.reason || '') + ': ' + end.error.message));
      box.appendChild(p);
    }
    var d = v.detail || {}, meta = d.input && d.input.metadata || {};
    if (meta.traceparent) {
      var traceId = meta.traceparent.split('-')[1], tp = el('p', 'trace');
      tp.appendChild(document.createTextNode('trace '));
      if (state.info && state.info.traceLink) { var a = el('a', '', traceId); a.href = state.info.traceLink.replace('{traceId}', traceId); a.target = '_blank'; a.rel = 'noopener'; tp.appendChild(a); }
      else tp.appendChild(el('code', '', traceId));
      box.appendChild(tp);
    }
    if (d.input) {
      box.appendChild(el('h4', '', d.output ? 'input → output' : 'input'));
      if (d.output) box.appendChild(diffTable(d.input, d.output));
      else box.appendChild(el('pre', 'data', JSON.stringify({ data: d.input.data, metadata: d.input.metadata }, null, 2)));
    } else box.appendChild(el('p', 'muted', 'input not recorded (the viewer saw this event only through its trace)'));
    if (v.deadLetter) {
      box.appendChild(el('h4', '', 'dead-letter record'));
      box.appendChild(el('pre', 'dead-letter', JSON.stringify({ reason: v.deadLetter.reason, error: v.deadLetter.error, attempts: v.deadLetter.attempts, at: new Date(v.deadLetter.at).toISOString() }, null, 2)));
    }
    box.appendChild(el('h4', '', 'timeline'));
    var list = el('ol', 'timeline'), t0 = entries.length ? Math.min.apply(null, entries.map(function (e) { return e.timestamp - (e.durationMs || 0); })) : 0;
    entries.forEach(function (e) {
      var li = el('li', e.error ? 'err' : '');
      li.dataset.type = e.type;
      li.appendChild(el('span', 'at', '+' + Math.round(e.timestamp - t0) + ' ms'));
      li.appendChild(document.createTextNode(' ' + describe(e) + (e.agentId ? ' · ' + e.agentId : '') + (e.durationMs !== undefined ? ' · ' + ms(e.durationMs) : '') + (e.error ? ' · ' + e.error.message : '')));
      list.appendChild(li);
    });
    box.appendChild(list);
    var raw = el('details'); raw.appendChild(el('summary', '', 'raw entries')); raw.appendChild(el('pre', '', JSON.stringify(entries, null, 2)));
    box.appendChild(raw);
  }

  function sparkline(values) {
    var max = Math.max(1, Math.max.apply(null, values)), g = svg('svg', { width: values.length * 4, height: 24, class: 'spark' });
    values.forEach(function (v, i) { var h = Math.round(v / max * 22); g.appendChild(svg('rect', { x: i * 4, y: 24 - h, width: 3, height: h })); });
    return g;
  }

  function loadAgents() {
    return api('/api/agents').then(function (list) {
      var box = $('agents');
      box.textContent = '';
      if (list.length === 0) { box.appendChild(el('div', 'empty', 'no agent has finished an event yet')); return; }
      var table = el('table'), head = el('tr');
      ['agent', 'finished', 'failed', 'error rate', 'p50', 'p95', 'p99', 'queued p50', 'events/s (1 min)', 'circuit', 'throughput (' + list[0].throughput.length + ' × ' + list[0].bucketMs / 1000 + ' s)'].forEach(function (x) { head.appendChild(el('th', '', x)); });
      table.appendChild(head);
      list.forEach(function (a) {
        var tr = el('tr');
        tr.dataset.agent = a.agentId;
        var finished = a.completed + a.failed + a.deadLettered;
        [a.agentId, String(finished), String(a.failed + a.deadLettered), (a.errorRate * 100).toFixed(1) + '%', ms(a.p50Ms), ms(a.p95Ms), ms(a.p99Ms), ms(a.waitP50Ms), a.perSecond.toFixed(2), a.circuit || '–'].forEach(function (x, i) { tr.appendChild(el('td', i === 3 && a.errorRate > 0 ? 'bad' : i === 9 && a.circuit && a.circuit !== 'closed' ? 'bad' : '', x)); });
        var td = el('td'); td.appendChild(sparkline(a.throughput)); tr.appendChild(td);
        table.appendChild(tr);
      });
      box.appendChild(table);
    });
  }

  function loadDead() {
    var box = $('dead');
    box.textContent = '';
    return api('/api/dead-letters').then(function (list) {
      if (list.length === 0) { box.appendChild(el('div', 'empty', 'no dead letters')); return; }
      var table = el('table');
      var head = el('tr');
      ['event', 'agent', 'reason', 'code', 'attempts', ''].forEach(function (h) { head.appendChild(el('th', '', h)); });
      table.appendChild(head);
      list.forEach(function (d) {
        var tr = el('tr');
        tr.dataset.deadLetter = d.id;
        [d.id.slice(0, 8), d.agentId, d.reason, d.error && d.error.code, String(d.attempts)].forEach(function (v) { tr.appendChild(el('td', '', v)); });
        var td = el('td');
        if (state.info && state.info.write) {
          var btn = el('button', 'replay', 'replay');
          btn.onclick = function () { api('/api/dead-letters/' + encodeURIComponent(d.id) + '/replay', { method: 'POST' }).then(loadDead, function (e) { alert(e.message); }); };
          td.appendChild(btn);
        } else td.textContent = 'read-only';
        tr.appendChild(td);
        table.appendChild(tr);
      });
      box.appendChild(table);
    });
  }

  function tab(which) {
    state.page = which;
    ['sessions', 'agents', 'dead'].forEach(function (p) { $('tab-' + p).className = which === p ? 'active' : ''; });
    $('sessions-view').style.display = which === 'sessions' ? 'grid' : 'none';
    $('dead').style.display = which === 'dead' ? 'block' : 'none';
    $('agents').style.display = which === 'agents' ? 'block' : 'none';
    if (which === 'dead') loadDead();
    if (which === 'agents') loadAgents();
  }
  function view(which) {
    state.view = which;
    $('view-waterfall').className = which === 'waterfall' ? 'active' : '';
    $('view-graph').className = which === 'graph' ? 'active' : '';
    render();
  }
  $('tab-sessions').onclick = function () { tab('sessions'); };
  $('tab-agents').onclick = function () { tab('agents'); };
  $('tab-dead').onclick = function () { tab('dead'); };
  $('view-waterfall').onclick = function () { view('waterfall'); };
  $('view-graph').onclick = function () { view('graph'); };
  var searchTimer;
  $('search').oninput = function () { clearTimeout(searchTimer); searchTimer = setTimeout(loadSessions, 200); };

  // Live tail: refresh what is on screen, at most every 250 ms.
  var dirty = false;
  var es = new EventSource(withToken('/api/stream'));
  es.onmessage = function () { dirty = true; };
  setInterval(function () {
    if (dirty) {
      dirty = false;
      loadSessions();
      loadInfo();
      if (state.page === 'agents') loadAgents();
      if (state.session) api('/api/sessions/' + encodeURIComponent(state.session)).then(function (t) { state.trace = t; render(); if (state.selected) inspect(state.selected); }, function () {});
    } else if (state.trace && state.trace.pending.length) render(); // in-flight bars grow
  }, 250);

  loadInfo().then(loadSessions);
})();
