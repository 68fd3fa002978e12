/* narad status page: live refresh (served as /status.js; embedded into narad at build time).
 *
 * Every few seconds fetch /status.json and redraw the totals and the three tables exactly as
 * status_render.c draws them, using textContent only (no HTML from data).  The words come from
 * the catalogue the server put in <script type="application/json" id="msgs">.  When the server
 * cannot be reached the last data stays and #updated says so. */
(function () {
  'use strict';
  var body = document.body;
  var msgs = JSON.parse(document.getElementById('msgs').textContent);
  var period = parseInt(body.getAttribute('data-refresh-ms'), 10) || 5000;
  var lastOk = 0;

  function t(key, n) {
    var s = msgs[key] || key;
    return n === undefined ? s : s.replace('{n}', String(n));
  }

  function utc(ms) {
    return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  /* Same thresholds as ago() in status_render.c. */
  function ago(now, ms) {
    var s = Math.max(0, Math.floor((now - ms) / 1000));
    if (s < 60) return t('AGO_NOW');
    if (s < 3600) return t('AGO_MIN', Math.floor(s / 60));
    if (s < 86400) return t('AGO_HOUR', Math.floor(s / 3600));
    return t('AGO_DAY', Math.floor(s / 86400));
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function td(tr, cls, text) {
    return tr.appendChild(el('td', cls, text));
  }

  /* hot: the class a non-zero value gets ('warn', 'esc'), or null. */
  function num(tr, v, hot) {
    td(tr, 'n' + (hot && v ? ' ' + hot : ''), String(v));
  }

  function seen(tr, now, ms) {
    if (ms === null) {
      td(tr, 'seen never', t('NEVER'));
      return;
    }
    var c = td(tr, 'seen' + (now - ms > 86400000 ? ' stale' : ''));
    c.appendChild(el('span', 'ago', ago(now, ms)));
    c.appendChild(document.createTextNode(' '));
    c.appendChild(el('span', 'abs', utc(ms)));
  }

  function pair(cell, a, aCls, b, bCls) {
    cell.appendChild(el('span', aCls, a));
    cell.appendChild(document.createTextNode(' '));
    cell.appendChild(el('span', bCls, b));
  }

  function fill(id, rows, cols, emptyKey, build) {
    var tbody = document.querySelector('#' + id + ' tbody');
    var next = document.createElement('tbody');
    if (!rows.length && emptyKey) {
      var c = td(next.appendChild(el('tr')), 'empty', t(emptyKey));
      c.colSpan = cols;
    }
    rows.forEach(function (r) { build(next.appendChild(el('tr')), r); });
    tbody.parentNode.replaceChild(next, tbody);
  }

  var roles = { root: 'ROLE_ROOT', admin: 'ROLE_ADMIN', secretariat: 'ROLE_SECRETARIAT',
                governor: 'ROLE_GOVERNOR', auditor: 'ROLE_AUDITOR', lo: 'ROLE_LO',
                regency: 'ROLE_REGENCY', server: 'ROLE_SERVER' };

  function render(d) {
    var now = d.now_ms, tot = d.totals;
    [['t-events', tot.events, null], ['t-connected', tot.connections, null],
     ['t-enrolled', tot.enrolled, null], ['t-pending', tot.pending, null],
     ['t-overdue', tot.overdue, 'warn'], ['t-escalated', tot.escalated, 'esc'],
     ['t-tree', tot.tree_size, null]].forEach(function (c) {
      var e = document.getElementById(c[0]);
      if (!e || c[1] === null) return;
      e.textContent = String(c[1]);
      e.parentNode.className = 'card' + (c[2] && c[1] ? ' ' + c[2] : '');
    });
    fill('regions', d.regions, 7, null, function (tr, r) {
      td(tr, 'code', r.code);
      pair(td(tr), r.name, 'name', t(r.type === 'kota' ? 'KOTA' : 'KABUPATEN'), 'type');
      if (r.lo) pair(td(tr, 'lo'), r.lo.officer, 'officer', r.lo.agency, 'agency');
      else td(tr, 'lo none', t('NO_LO'));
      num(tr, r.pending, null);
      num(tr, r.overdue, 'warn');
      num(tr, r.escalated, 'esc');
      seen(tr, now, r.last_sync_ms);
    });
    fill('escalations', d.escalations, 4, 'NO_ESCALATIONS', function (tr, e) {
      td(tr, 'code', e.region);
      pair(td(tr), e.title, 'title', e['case'].slice(0, 8), 'key');
      td(tr, null, e.to === 'sekda' ? t('TO_SEKDA') : e.to === 'gubernur' ? t('TO_GUBERNUR') : e.to);
      td(tr, null, utc(e.opened_ms));
    });
    fill('devices', d.devices, 6, 'NO_DEVICES', function (tr, v) {
      pair(td(tr), v.name, 'name', v.agency, 'agency');
      td(tr, null, roles[v.role] ? t(roles[v.role]) : v.role);
      td(tr, null, v.scope === '*' ? t('ALL_REGIONS') : v.scope);
      var k = td(tr, 'key', v.key.slice(0, 16));
      k.title = v.key;
      var st = v.revoked ? 'revoked' : v.connected ? 'connected' : 'enrolled';
      td(tr, 'state ' + st, t(st.toUpperCase()));
      seen(tr, now, v.last_sync_ms);
    });
    var alert = document.getElementById('alert');
    var problem = d.error ? t('DB_ERROR') + ' ' + d.error : d.stopping ? t('STOPPING') : '';
    alert.textContent = problem;
    alert.hidden = !problem;
    var up = document.getElementById('updated');
    up.textContent = t('UPDATED') + ' ' + utc(now);
    up.setAttribute('data-state', 'live');
    lastOk = now;
  }

  function stale() {
    var up = document.getElementById('updated');
    up.textContent = t('STALE') + (lastOk ? ' (' + utc(lastOk) + ')' : '');
    up.setAttribute('data-state', 'stale');
  }

  function refresh() {
    fetch('/status.json', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok && r.status !== 503) throw new Error(r.status); return r.json(); })
      .then(render)
      .catch(stale)
      .then(function () { setTimeout(refresh, period); });
  }

  document.getElementById('live-note').hidden = false;
  refresh();
})();
