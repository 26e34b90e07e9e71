// Palisade HTML report. Builds the page from the JSON in #data with
// createElement/textContent only: no string from the scan is ever parsed as
// HTML, used as a URL or evaluated. Rows are rendered a page at a time;
// filters and sorts run on typed arrays.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  var SEV = ['critical', 'high', 'medium', 'low', 'info'];
  var STATUS = ['fail', 'pass', 'error', 'not_evaluated'];
  var STATUS_LABEL = { fail: 'fail', pass: 'pass', error: 'error', not_evaluated: 'not evaluated',
    not_applicable: 'not applicable', manual: 'manual' };
  var BASE = ['', 'new', 'unchanged', 'updated'];
  var REACH = ['', 'reachable', 'not_reachable', 'unknown'];
  var REACH_LABEL = ['', 'reachable', 'not reachable', 'reachability unknown'];
  var PAGE = 100;
  var app = document.getElementById('app');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) { if (arguments[i]) { parent.appendChild(arguments[i]); } }
    return parent;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, String(attrs[k])); } }
    return e;
  }
  function fmt(n) { return Number(n).toLocaleString('en-US'); }
  function short(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
  function section(id, title) {
    var s = el('section', 'panel'); s.id = id;
    add(s, el('h2', null, title));
    return s;
  }
  function dl(pairs) {
    var d = el('dl', 'kv');
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '') { return; }
      add(d, el('dt', null, p[0]), add(el('dd'), p[1] instanceof Node ? p[1] : el('span', null, p[1])));
    });
    return d;
  }
  function table(headers, rows, cls) {
    var t = el('table', cls || 'grid');
    var tr = el('tr');
    headers.forEach(function (h) { add(tr, el('th', null, h)); });
    add(t, add(el('thead'), tr));
    var tb = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c) { add(row, c instanceof Node ? add(el('td'), c) : el('td', null, c === null ? '\u2014' : c)); });
      add(tb, row);
    });
    return add(t, tb);
  }
  function badge(kind, text) { return el('span', 'badge b-' + kind, text); }

  // ---- header and provenance ----
  function header() {
    var m = D.meta;
    var h = el('header', 'top');
    add(h, el('h1', null, 'Palisade scan report'));
    add(h, el('p', 'sub', 'Scan of ' + m.snapshot_uri + ' taken ' + m.scan_time));
    var inputs = null;
    if (m.inputs.length) {
      inputs = el('ul', 'plain');
      m.inputs.forEach(function (i) { add(inputs, el('li', 'mono', i[0] + '  sha256 ' + i[1])); });
    }
    var p = section('provenance', 'Provenance');
    add(p, dl([
      ['Snapshot', m.snapshot_uri], ['Snapshot SHA-256', add(el('span', 'mono'), document.createTextNode(m.snapshot_sha256))],
      ['Scan time', m.scan_time], ['Tool', m.tool + ' ' + m.version],
      ['Rules', fmt(m.rules_count) + ' rules, fingerprint ' + m.rules_fingerprint],
      ['Templates and plans', inputs], ['Baseline', m.baseline], ['Waivers', m.waivers]
    ]));
    return [h, p];
  }

  // ---- coverage: gaps, not evaluated, errors: always stated ----
  function coverage() {
    var s = D.summary.by_status;
    var gaps = D.gaps.length, ne = s.not_evaluated || 0, er = s.error || 0;
    var bad = gaps + ne + er > 0;
    var c = section('coverage', 'Coverage');
    c.className = 'panel ' + (bad ? 'warn' : 'ok');
    var line = el('p', 'coverage-line');
    add(line, stat('gaps', gaps, 'coverage gaps'), stat('not_evaluated', ne, 'results not evaluated'),
      stat('error', er, 'evaluation errors'));
    add(c, line);
    add(c, el('p', 'note', bad
      ? 'Parts of the organisation could not be read or evaluated: the results below do not cover them. Nothing here counts as a pass.'
      : 'Every API call needed by the selected rules succeeded and every check was evaluated.'));
    if (gaps) {
      add(c, table(['Account', 'Service', 'Region', 'API', 'Error'], D.gaps, 'grid gaps'));
    }
    return c;
  }
  function stat(key, n, label) {
    var s = el('span', 'stat'); s.setAttribute('data-k', key);
    add(s, el('strong', 'n', fmt(n)), document.createTextNode(' ' + label));
    return s;
  }

  // ---- summary with charts ----
  function bars(title, entries, cls) {
    var box = el('figure', 'chart');
    add(box, el('figcaption', null, title));
    if (!entries.length) { add(box, el('p', 'note', 'No failures.')); return box; }
    var max = 1;
    entries.forEach(function (e) { if (e[1] > max) { max = e[1]; } });
    var W = 420, row = 24, lw = 150, bw = W - lw - 70;
    var g = svg('svg', { viewBox: '0 0 ' + W + ' ' + (entries.length * row + 4), width: W, height: entries.length * row + 4, role: 'img' });
    entries.forEach(function (e, i) {
      var y = i * row + 2;
      var label = svg('text', { x: lw - 8, y: y + 16, 'text-anchor': 'end', 'class': 'lbl' });
      label.textContent = short(e[0], 22);
      var t = svg('title', {}); t.textContent = e[0] + ': ' + e[1];
      var r = svg('rect', { x: lw, y: y + 3, height: row - 8, width: Math.max(1, Math.round(bw * e[1] / max)), rx: 3, 'class': 'bar ' + (cls ? cls(e[0]) : '') });
      var v = svg('text', { x: lw + Math.round(bw * e[1] / max) + 6, y: y + 16, 'class': 'val' });
      v.textContent = fmt(e[1]);
      add(g, add(r, t), label, v);
    });
    return add(box, g);
  }
  function entries(obj, order) {
    var keys = order ? order.filter(function (k) { return obj[k]; }) : Object.keys(obj).sort();
    return keys.map(function (k) { return [k, obj[k]]; });
  }
  function summary() {
    var S = D.summary, s = S.by_status;
    var c = section('summary', 'Summary');
    var cards = el('div', 'cards');
    var open = 0;
    var waivedN = {};
    D.results.waiver.forEach(function (w) { waivedN[w[0]] = 1; });
    D.results.status.forEach(function (st, i) { if (st === 0 && !waivedN[i]) { open++; } });
    [['fail', s.fail, 'findings', 'fail'], ['open', open, 'open (unwaived)', 'fail'], ['suppressed', S.suppressed, 'waived', 'muted'],
     ['pass', s.pass, 'passed', 'pass'], ['error', s.error, 'errors', 'warn'], ['not_evaluated', s.not_evaluated, 'not evaluated', 'warn'],
     ['gaps', S.gaps, 'coverage gaps', 'warn'], ['resources', S.resources, 'resources', 'muted'], ['rules', S.rules, 'rules', 'muted']]
      .concat(D.meta.baseline ? [['new', S.new, 'new since baseline', 'fail'], ['fixed', S.fixed, 'fixed since baseline', 'pass']] : [])
      .forEach(function (k) {
        var card = el('div', 'card c-' + k[3]); card.setAttribute('data-k', k[0]);
        add(cards, add(card, el('div', 'n', fmt(k[1] || 0)), el('div', 'l', k[2])));
      });
    add(c, cards);
    var charts = el('div', 'charts');
    add(charts,
      bars('Failures by severity', entries(S.failures_by_severity, SEV), function (k) { return 's-' + k; }),
      bars('Failures by pack', entries(S.failures_by_pack)),
      bars('Failures by account', entries(D.failures_by_account)),
      bars('Failures by region', entries(D.failures_by_region)));
    return add(c, charts);
  }

  // ---- history ----
  function digest(title, d, id) {
    var box = el('div', 'digest'); box.id = id;
    add(box, el('h3', null, title + ': ' + fmt(d.total)));
    if (!d.total) { add(box, el('p', 'note', 'None.')); return box; }
    var ul = el('ul', 'groups');
    d.groups.forEach(function (g) {
      var li = el('li');
      var head = el('div');
      add(head, badge(g.severity, g.severity), el('span', 'mono', ' ' + g.rule_id + ' '),
        el('strong', null, fmt(g.count)), g.suppressed ? el('span', 'note', ' (' + fmt(g.suppressed) + ' waived)') : null);
      var res = el('ul', 'res');
      g.resources.forEach(function (r) { add(res, el('li', 'mono', r)); });
      if (g.more_resources) { add(res, el('li', 'more', 'and ' + fmt(g.more_resources) + ' more')); }
      add(ul, add(li, head, res));
    });
    add(box, ul);
    if (d.more_groups) {
      add(box, el('p', 'more', 'and ' + fmt(d.more_groups) + ' more rules (' + fmt(d.more_findings) + ' findings)'));
    }
    return box;
  }
  function trendChart(t, rates) {
    var fig = el('figure', 'chart trend');
    var last = null;
    for (var i = rates.length - 1; i >= 0; i--) { if (rates[i] !== null) { last = rates[i]; break; } }
    add(fig, el('figcaption', null, t.framework_id + (last === null ? '' : ': ' + Math.round(last * 1000) / 10 + '% of assessed controls pass')));
    var W = 340, H = 116, P = 36;
    var g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
    add(g, svg('line', { x1: P, y1: 8, x2: P, y2: H - P, 'class': 'axis' }), svg('line', { x1: P, y1: H - P, x2: W - 8, y2: H - P, 'class': 'axis' }));
    [0, 50, 100].forEach(function (v) {
      var tx = svg('text', { x: P - 4, y: H - P - (H - P - 8) * v / 100 + 4, 'text-anchor': 'end', 'class': 'tick' });
      tx.textContent = v + '%'; add(g, tx);
    });
    var n = t.points.length, path = '', pen = false;
    t.points.forEach(function (p, i) {
      var r = rates[i];
      if (r === null) { pen = false; return; }
      var x = n > 1 ? P + (W - 8 - P) * i / (n - 1) : (P + W - 8) / 2;
      var y = H - P - (H - P - 8) * r;
      path += (pen ? ' L' : ' M') + x.toFixed(1) + ' ' + y.toFixed(1);
      pen = true;
      var dot = svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, 'class': 'dot' });
      var tt = svg('title', {}); tt.textContent = 'scan ' + p.scan_id + ' (' + p.scan_time + '): ' + p.pass + ' pass, ' + p.fail + ' fail, ' + p.not_evaluated + ' not evaluated';
      add(g, add(dot, tt));
    });
    if (path) { g.insertBefore(svg('path', { d: path.trim(), 'class': 'line' }), g.firstChild); }
    if (n) {
      var a = svg('text', { x: P, y: H - 8, 'class': 'tick' }); a.textContent = String(t.points[0].scan_time).slice(0, 10);
      var b = svg('text', { x: W - 8, y: H - 8, 'text-anchor': 'end', 'class': 'tick' }); b.textContent = String(t.points[n - 1].scan_time).slice(0, 10);
      add(g, a, n > 1 ? b : null);
    }
    return add(fig, g);
  }
  function history() {
    var H = D.history;
    var c = section('history', 'Since the last recorded scan');
    if (H.previous_scan_id === null || H.previous_scan_id === undefined) {
      add(c, el('p', 'note first', 'First recorded scan (scan ' + H.scan_id + '): there is no previous scan to compare with.'));
    } else {
      add(c, el('p', 'note', 'Scan ' + H.scan_id + ' (' + H.scan_time + ') compared with scan ' + H.previous_scan_id + '.'));
    }
    add(c, add(el('div', 'two'), digest('New findings', H.new, 'history-new'), digest('Fixed findings', H.fixed, 'history-fixed')));
    if (H.trends.length) {
      add(c, el('h3', null, 'Pass rate per framework over recorded scans'));
      var charts = el('div', 'charts');
      H.trends.forEach(function (t, i) { add(charts, trendChart(t, H.rates[i] || [])); });
      add(c, charts);
    }
    return c;
  }

  // ---- frameworks ----
  function frameworks() {
    var c = section('frameworks', 'Frameworks');
    if (!D.frameworks.length) { add(c, el('p', 'note', 'No framework selected.')); return c; }
    D.frameworks.forEach(function (f) {
      var d = el('details', 'fw'); d.setAttribute('data-fw', f.id);
      var sm = el('summary');
      add(sm, el('strong', null, f.name + ' ' + f.version), el('span', 'mono', ' ' + f.id + ' '));
      ['pass', 'fail', 'not_evaluated', 'not_applicable', 'manual'].forEach(function (k) {
        var b = badge(k, fmt(f.counts[k] || 0) + ' ' + STATUS_LABEL[k]); b.setAttribute('data-k', k);
        add(sm, b, document.createTextNode(' '));
      });
      add(d, sm, el('p', 'note', f.scope));
      var rows = f.controls.map(function (k) {
        var res = null;
        if (k.resources.length) {
          res = el('details', 'res');
          add(res, el('summary', null, (k.failing + k.not_evaluated) + ' resources'));
          var ul = el('ul', 'plain');
          k.resources.forEach(function (r) { add(ul, el('li', 'mono', r)); });
          if (k.failing + k.not_evaluated > k.resources.length) { add(ul, el('li', 'more', 'and ' + fmt(k.failing + k.not_evaluated - k.resources.length) + ' more')); }
          add(res, ul);
        }
        return [el('span', 'mono', k.id), k.title + (k.note ? ' \u2014 ' + k.note : ''), badge(k.status, STATUS_LABEL[k.status]),
          fmt(k.failing), fmt(k.waived), fmt(k.not_evaluated), res || '\u2014'];
      });
      add(d, table(['Control', 'Title', 'Status', 'Failing', 'Waived', 'Not evaluated', 'Resources'], rows, 'grid controls'));
      add(c, d);
    });
    return c;
  }

  // ---- findings table ----
  var R = D.results, RS = D.resources, N = R.status.length;
  var col = { rule: Uint32Array.from(R.rule), sev: new Uint8Array(N), status: Uint8Array.from(R.status), res: Uint32Array.from(R.resource),
    acct: new Uint32Array(N), region: new Uint32Array(N), base: R.baseline.length ? Uint8Array.from(R.baseline) : new Uint8Array(N),
    waiver: new Uint32Array(N), reach: new Uint8Array(N) };
  var message = {}, tags = {}, exposure = {}, adjusted = {};
  R.message.forEach(function (m) { message[m[0]] = m[1]; });
  // Reachability: 0 none, 1 reachable, 2 not reachable, 3 unknown.
  R.exposure.forEach(function (x) { col.reach[x[0]] = x[1] + 1; exposure[x[0]] = { reason: x[2], path: x[3] }; });
  R.waiver.forEach(function (w) { col.waiver[w[0]] = w[1] + 1; });
  RS.tags.forEach(function (t) { tags[t[0]] = t[1]; });
  // Rule order by id, for sorting by rule.
  var ruleOrder = new Uint32Array(D.rules.length);
  D.rules.map(function (r, i) { return [r.id, i]; }).sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; })
    .forEach(function (p, rank) { ruleOrder[p[1]] = rank; });
  var STATUS_RANK = [0, 3, 1, 2]; // fail, error, not evaluated, pass
  for (var i = 0; i < N; i++) {
    var rr = D.rules[col.rule[i]], res = col.res[i];
    col.sev[i] = rr ? rr.rank : 4; col.acct[i] = RS.account[res]; col.region[i] = RS.region[res];
  }
  // A reachability verdict adjusted these results' severity.
  R.severity.forEach(function (s) { adjusted[s[0]] = col.sev[s[0]]; col.sev[s[0]] = s[1]; });
  var state = { view: new Int32Array(0), page: 0, sort: 'severity', dir: 1, open: {} };
  var F = {};

  function select(id, label, options, value) {
    var wrap = el('label', 'filter');
    add(wrap, el('span', null, label));
    var s = el('select'); s.id = id;
    options.forEach(function (o) { var op = el('option', null, o[1]); op.value = o[0]; add(s, op); });
    s.value = value;
    s.addEventListener('change', function () { state.page = 0; apply(); });
    F[id] = s;
    return add(wrap, s);
  }
  function present(arr) {
    var seen = {};
    for (var i = 0; i < N; i++) { seen[arr[i]] = 1; }
    return seen;
  }
  function filters() {
    var bar = el('div', 'filters');
    var rs = present(col.rule), as = present(col.acct), gs = present(col.region), xs = present(col.reach);
    add(bar,
      select('f-status', 'Status', [['open', 'fail, error, not evaluated'], ['all', 'all results'], ['0', 'fail'], ['1', 'pass'], ['2', 'error'], ['3', 'not evaluated']], 'open'),
      select('f-severity', 'Severity', [['all', 'all']].concat(SEV.map(function (s, i) { return [String(i), s]; })), 'all'),
      select('f-rule', 'Rule', [['all', 'all']].concat(D.rules.map(function (r, i) { return [String(i), r.id]; })
        .filter(function (o) { return rs[o[0]]; }).sort(function (a, b) { return a[1] < b[1] ? -1 : 1; })), 'all'),
      select('f-account', 'Account', [['all', 'all']].concat(D.accounts.map(function (a, i) { return [String(i), a]; })
        .filter(function (o) { return as[o[0]]; })), 'all'),
      select('f-region', 'Region', [['all', 'all']].concat(D.regions.map(function (a, i) { return [String(i), short(a, 40)]; })
        .filter(function (o) { return gs[o[0]]; })), 'all'),
      R.exposure.length ? select('f-reach', 'Reachability', [['all', 'all']].concat([1, 2, 3].filter(function (v) { return xs[v]; })
        .map(function (v) { return [String(v), REACH_LABEL[v]]; })).concat([['0', 'no verdict']]), 'all') : null,
      select('f-waived', 'Waived', [['all', 'all'], ['open', 'not waived'], ['waived', 'waived only']], 'all'),
      D.meta.baseline ? select('f-baseline', 'Baseline', [['all', 'all'], ['1', 'new'], ['2', 'unchanged'], ['3', 'updated'], ['changed', 'new or updated']], 'all') : null);
    var sw = el('label', 'filter');
    var q = el('input'); q.id = 'f-search'; q.type = 'search'; q.placeholder = 'resource id or name contains';
    var timer = null;
    q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { state.page = 0; apply(); }, 200); });
    F['f-search'] = q;
    add(bar, add(sw, el('span', null, 'Search'), q));
    return bar;
  }
  function want(id) { var s = F[id]; return s ? s.value : 'all'; }
  function apply() {
    var st = want('f-status'), sv = want('f-severity'), ru = want('f-rule'), ac = want('f-account'), rg = want('f-region'),
      wv = want('f-waived'), bl = want('f-baseline'), rc = want('f-reach'), rcN = +rc, q = F['f-search'] ? F['f-search'].value.toLowerCase() : '';
    var out = new Int32Array(N), n = 0;
    var stN = +st, svN = +sv, ruN = +ru, acN = +ac, rgN = +rg, blN = +bl;
    for (var i = 0; i < N; i++) {
      var s = col.status[i];
      if (st === 'open' ? s === 1 : (st !== 'all' && s !== stN)) { continue; }
      if (sv !== 'all' && col.sev[i] !== svN) { continue; }
      if (ru !== 'all' && col.rule[i] !== ruN) { continue; }
      if (ac !== 'all' && col.acct[i] !== acN) { continue; }
      if (rg !== 'all' && col.region[i] !== rgN) { continue; }
      if (rc !== 'all' && col.reach[i] !== rcN) { continue; }
      if (wv === 'open' && col.waiver[i]) { continue; }
      if (wv === 'waived' && !col.waiver[i]) { continue; }
      if (bl === 'changed' ? !(col.base[i] === 1 || col.base[i] === 3) : (bl !== 'all' && col.base[i] !== blN)) { continue; }
      if (q && RS.id[col.res[i]].toLowerCase().indexOf(q) < 0 && RS.name[col.res[i]].toLowerCase().indexOf(q) < 0) { continue; }
      out[n++] = i;
    }
    state.view = out.subarray(0, n);
    sortView();
    draw();
  }
  var KEYS = {
    severity: function (i) { return col.sev[i]; },
    status: function (i) { return STATUS_RANK[col.status[i]]; },
    rule: function (i) { return ruleOrder[col.rule[i]]; },
    account: function (i) { return col.acct[i]; },
    region: function (i) { return col.region[i]; }
  };
  function sortView() {
    var v = Array.prototype.slice.call(state.view), d = state.dir;
    if (state.sort === 'resource') {
      v.sort(function (a, b) { var x = RS.id[col.res[a]], y = RS.id[col.res[b]]; return x < y ? -d : x > y ? d : a - b; });
    } else {
      var k = KEYS[state.sort], keys = new Float64Array(N);
      for (var j = 0; j < v.length; j++) { keys[v[j]] = k(v[j]); }
      v.sort(function (a, b) { return (keys[a] - keys[b]) * d || a - b; });
    }
    state.view = Int32Array.from(v);
  }
  var tbody, info, pager, heads = {};
  function findings() {
    var c = section('findings', 'Results');
    add(c, filters());
    info = el('p', 'info'); info.id = 'match-count';
    var all = el('button', 'page', 'Expand all on this page'); all.type = 'button'; all.id = 'expand-page';
    all.addEventListener('click', function () {
      var v = state.view, from = state.page * PAGE, to = Math.min(v.length, from + PAGE), any = false;
      for (var j = from; j < to; j++) { if (!state.open[v[j]]) { any = true; } }
      for (j = from; j < to; j++) { if (any) { state.open[v[j]] = 1; } else { delete state.open[v[j]]; } }
      draw();
    });
    add(c, add(el('div', 'infobar'), info, all));
    var t = el('table', 'grid results'); t.id = 'results';
    var tr = el('tr');
    add(tr, el('th', 'x', ''));
    [['severity', 'Severity'], ['status', 'Status'], ['rule', 'Rule'], ['resource', 'Resource'], ['account', 'Account'], ['region', 'Region']]
      .forEach(function (h) {
        var th = el('th'); var b = el('button', 'sort', h[1]); b.type = 'button'; b.setAttribute('data-sort', h[0]);
        b.addEventListener('click', function () {
          if (state.sort === h[0]) { state.dir = -state.dir; } else { state.sort = h[0]; state.dir = 1; }
          state.page = 0; sortView(); draw();
        });
        heads[h[0]] = th;
        add(tr, add(th, b));
      });
    add(t, add(el('thead'), tr));
    tbody = el('tbody'); add(t, tbody);
    add(c, add(el('div', 'scroll'), t));
    pager = el('div', 'pager'); add(c, pager);
    return c;
  }
  function statusBadge(i) {
    var s = STATUS[col.status[i]];
    var w = add(el('span'), badge(s, STATUS_LABEL[s]));
    if (col.waiver[i]) { add(w, document.createTextNode(' '), badge('waived', 'waived')); }
    if (col.base[i]) { add(w, document.createTextNode(' '), badge('base-' + BASE[col.base[i]], BASE[col.base[i]])); }
    if (col.reach[i]) { add(w, document.createTextNode(' '), badge('reach-' + REACH[col.reach[i]], REACH_LABEL[col.reach[i]])); }
    return w;
  }
  function row(i) {
    var res = col.res[i], id = RS.id[res], nm = RS.name[res], rule = D.rules[col.rule[i]] || { id: '?', severity: 'info', title: '' };
    var tr = el('tr', 'row'); tr.setAttribute('data-i', String(i)); tr.tabIndex = 0;
    var open = !!state.open[i];
    tr.setAttribute('aria-expanded', open ? 'true' : 'false');
    var name = el('td', 'resource');
    add(name, el('div', 'mono', short(id, 120)), nm && nm !== id ? el('div', 'note', short(nm, 120)) : null);
    var ruleCell = el('td');
    add(ruleCell, el('div', 'mono', rule.id), el('div', 'note', rule.title));
    add(tr, el('td', 'x', open ? '\u25be' : '\u25b8'), add(el('td'), badge(SEV[col.sev[i]], SEV[col.sev[i]])), add(el('td'), statusBadge(i)),
      ruleCell, name, el('td', 'mono nowrap', D.accounts[col.acct[i]]), el('td', 'mono nowrap', short(D.regions[col.region[i]], 40)));
    function toggle() { if (state.open[i]) { delete state.open[i]; } else { state.open[i] = 1; } draw(); }
    tr.addEventListener('click', toggle);
    tr.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
    return tr;
  }
  function pre(text) { return add(el('pre'), el('code', null, text)); }
  function detail(i) {
    var res = col.res[i], rule = D.rules[col.rule[i]] || null;
    var loc = RS.files[RS.file[res]] + ':' + RS.line[res] + (RS.column[res] ? ':' + RS.column[res] : '');
    var tr = el('tr', 'detail'); tr.setAttribute('data-i', String(i));
    var td = el('td'); td.colSpan = 7;
    var box = el('div', 'detail-box'), left = el('div'), right = el('div'), iac = el('div', 'iac');
    if (rule) {
      add(left, el('h3', null, rule.title), dl([['Rule', rule.id], ['Severity', SEV[col.sev[i]] + (adjusted[i] !== undefined ? ' (rule: ' + rule.severity + ', adjusted by reachability)' : '')],
        ['Pack', rule.pack], ['Service', rule.service]]));
      add(left, el('h4', null, 'Rationale'), el('p', 'text rationale', rule.rationale));
      add(left, el('h4', null, 'Remediation'), el('p', 'text remediation', rule.remediation));
      var fw = el('ul', 'plain frameworks');
      Object.keys(rule.frameworks).sort().forEach(function (k) {
        var li = el('li'); add(li, el('span', 'mono', k), document.createTextNode(': ' + rule.frameworks[k].join(', '))); add(fw, li);
      });
      add(left, el('h4', null, 'Framework controls'), fw.childNodes.length ? fw : el('p', 'note', 'Not mapped to a framework control.'));
      if (rule.cloudformation) { add(iac, add(el('div'), el('h4', null, 'CloudFormation'), pre(rule.cloudformation))); }
      if (rule.terraform) { add(iac, add(el('div'), el('h4', null, 'Terraform'), pre(rule.terraform))); }
    } else {
      add(left, el('p', 'note', 'This rule is not in the pack.'));
    }
    var tg = null, tv = tags[res] || {}, tk = Object.keys(tv).sort();
    if (tk.length) { tg = table(['Key', 'Value'], tk.map(function (k) { return [k, tv[k]]; }), 'grid tags'); }
    add(right, el('h4', null, 'Resource'), dl([['Id', el('span', 'mono', RS.id[res])], ['Type', D.types[RS.type[res]]], ['Account', D.accounts[RS.account[res]]],
      ['Region', D.regions[RS.region[res]]], ['Name', RS.name[res]], ['Tags', tg]]));
    add(right, el('h4', null, 'Result'), dl([['Status', STATUS_LABEL[STATUS[col.status[i]]]], ['Message', message[i]], ['Location', el('span', 'mono', loc)],
      ['Baseline', BASE[col.base[i]] || null]]));
    if (exposure[i]) { add(right, reachability(i)); }
    if (col.waiver[i]) {
      var w = D.waivers[col.waiver[i] - 1];
      add(right, el('h4', null, 'Waiver'), dl([['Reason', w[0]], ['Owner', w[1]], ['Expires', w[2]]]));
    }
    add(box, add(el('div', 'detail-grid'), left, right), iac.childNodes.length ? iac : null);
    if (rule && rule.iac_note) { add(box, el('p', 'note', rule.iac_note)); }
    return add(tr, add(td, box));
  }
  // The verdict, its reason and the network path, hop by hop (text only).
  function reachability(i) {
    var x = exposure[i], box = el('div', 'reachability');
    add(box, el('h4', null, 'Reachability'), dl([['Verdict', badge('reach-' + REACH[col.reach[i]], REACH_LABEL[col.reach[i]])], ['Reason', x.reason]]));
    if (x.path.length) {
      var ol = el('ol', 'path');
      x.path.forEach(function (h) {
        var li = el('li', 'hop');
        add(li, el('span', 'badge b-hop', h[0]), document.createTextNode(' '), el('span', 'mono hop-id', h[1]),
          el('div', 'note hop-label', h[2]));
        add(ol, li);
      });
      add(box, el('h4', null, 'Network path'), ol);
    }
    return box;
  }
  function draw() {
    var v = state.view, pages = Math.max(1, Math.ceil(v.length / PAGE));
    if (state.page >= pages) { state.page = pages - 1; }
    var from = state.page * PAGE, to = Math.min(v.length, from + PAGE);
    var frag = document.createDocumentFragment();
    for (var j = from; j < to; j++) {
      add(frag, row(v[j]));
      if (state.open[v[j]]) { add(frag, detail(v[j])); }
    }
    tbody.textContent = '';
    tbody.appendChild(frag);
    if (!v.length) { var e = el('tr', 'empty'); var td = el('td', 'note', 'No result matches the filters.'); td.colSpan = 7; add(tbody, add(e, td)); }
    info.setAttribute('data-n', String(v.length));
    info.textContent = v.length ? 'Showing ' + fmt(from + 1) + '\u2013' + fmt(to) + ' of ' + fmt(v.length) + ' matching results (' + fmt(N) + ' in all)'
      : 'No matching results (' + fmt(N) + ' in all)';
    Object.keys(heads).forEach(function (k) {
      heads[k].setAttribute('aria-sort', state.sort === k ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    pager.textContent = '';
    function btn(label, page, off) {
      var b = el('button', 'page', label); b.type = 'button'; b.disabled = off;
      b.addEventListener('click', function () { state.page = page; draw(); });
      return b;
    }
    add(pager, btn('\u00ab First', 0, state.page === 0), btn('\u2039 Previous', state.page - 1, state.page === 0),
      el('span', 'pageno', 'Page ' + fmt(state.page + 1) + ' of ' + fmt(pages)),
      btn('Next \u203a', state.page + 1, state.page >= pages - 1), btn('Last \u00bb', pages - 1, state.page >= pages - 1));
  }

  var top = header();
  add(app, top[0], coverage(), top[1], summary());
  if (D.history) { add(app, history()); }
  add(app, frameworks(), findings());
  add(app, el('footer', 'note', 'Generated by ' + D.meta.tool + ' ' + D.meta.version + ' from ' + D.meta.snapshot_uri +
    '. This file is self-contained: it loads nothing from the network.'));
  apply();
  document.documentElement.setAttribute('data-ready', 'true');
})();
