// agentflow ui: sessions list, waterfall, inspector, live tail, dead letters.
(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token');
  var withToken = function (p) { return token ? p + (p.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(token) : p; };
  var api = function (p, init) { return fetch(withToken(p), init).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); }); };
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  var state = { session: null, trace: null, selected: null, info: null };

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
    return api('/api/sessions/' + encodeURIComponent(id)).then(function (t) { state.trace = t; renderWaterfall(); loadSessions(); });
  }

  function renderWaterfall() {
    var t = state.trace, box = $('waterfall');
    box.textContent = '';
    if (!t) return;
    var ends = t.entries.filter(function (e) { return e.type === 'event_end'; });
    var rows = ends.map(function (e) { return { id: e.eventId, agent: e.agentId || '(none)', start: e.timestamp - (e.durationMs || 0), dur: e.durationMs || 0, status: e.status, attempt: e.attempt }; });
    var now = Date.now();
    t.pending.forEach(function (p) { rows.push({ id: p.eventId, agent: p.agentId || '(none)', start: p.since, dur: now - p.since, status: 'running' }); });
    if (rows.length === 0) { box.appendChild(el('div', 'empty', 'no events yet')); return; }
    rows.sort(function (a, b) { return a.start - b.start; });
    var t0 = rows[0].start, t1 = Math.max.apply(null, rows.map(function (r) { return r.start + r.dur; }));
    var span = Math.max(1, t1 - t0);
    box.appendChild(el('div', 'meta', 'session ' + state.session + ' · ' + rows.length + ' events · ' + span + ' ms'));
    rows.forEach(function (r) {
      var row = el('div', 'row');
      row.dataset.event = r.id;
      row.dataset.status = r.status;
      row.appendChild(el('div', 'agent', r.agent + (r.attempt > 1 ? ' ×' + r.attempt : '')));
      var track = el('div', 'track');
      var bar = el('div', 'bar' + (r.status === 'running' ? ' live' : r.status === 'completed' ? '' : ' fail'));
      bar.style.left = ((r.start - t0) / span * 100) + '%';
      bar.style.width = (r.dur / span * 100) + '%';
      bar.title = r.status;
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el('div', 'dur', r.status === 'running' ? 'running' : r.dur + ' ms'));
      row.onclick = function () { inspect(r.id); };
      box.appendChild(row);
    });
  }

  function inspect(eventId) {
    state.selected = eventId;
    var box = $('inspector');
    box.textContent = '';
    var entries = state.trace.entries.filter(function (e) { return e.eventId === eventId; });
    var pending = state.trace.pending.filter(function (p) { return p.eventId === eventId; });
    box.appendChild(el('h3', '', 'event ' + eventId));
    var end = entries.filter(function (e) { return e.type === 'event_end'; })[0];
    if (end && end.error) {
      var p = el('p');
      p.appendChild(el('span', 'code', end.error.code));
      p.appendChild(document.createTextNode(' ' + (end.reason || '') + ': ' + end.error.message));
      box.appendChild(p);
    }
    if (pending.length && !end) box.appendChild(el('p', '', 'running since ' + new Date(pending[0].since).toISOString()));
    box.appendChild(el('pre', '', JSON.stringify(entries.length ? entries : pending, null, 2)));
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
        [d.id.slice(0, 8), d.agentId, d.reason, d.error.code, String(d.attempts)].forEach(function (v) { tr.appendChild(el('td', '', v)); });
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
    $('tab-sessions').className = which === 'sessions' ? 'active' : '';
    $('tab-dead').className = which === 'dead' ? 'active' : '';
    $('sessions-view').style.display = which === 'sessions' ? 'grid' : 'none';
    $('dead').style.display = which === 'dead' ? 'block' : 'none';
    if (which === 'dead') loadDead();
  }
  $('tab-sessions').onclick = function () { tab('sessions'); };
  $('tab-dead').onclick = function () { tab('dead'); };
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
      if (state.session) api('/api/sessions/' + encodeURIComponent(state.session)).then(function (t) { state.trace = t; renderWaterfall(); if (state.selected) inspect(state.selected); }, function () {});
    } else if (state.trace && state.trace.pending.length) renderWaterfall(); // in-flight bars grow
  }, 250);

  loadInfo().then(loadSessions);
})();
