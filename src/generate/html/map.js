'use strict';
// Draws the registry's port axis from the JSON beside this script. Only what is in view is
// drawn: marks one by one when few enough, else grouped per few pixels, so a registry of 100k
// entries draws as fast as one of ten.
(() => {
  const D = JSON.parse(document.getElementById('portnix-data').textContent);
  const MIN = 1, MAX = 65535, MIN_SPAN = 10;
  const PROTO = ['tcp', 'udp', 'tcp+udp'];
  const SEV = { error: 2, warning: 1, note: 0 };
  const ROWS = 4, ROW = 14, LIMIT = 1500, GROUP_PX = 4, LEFT = 74, RIGHT = 8;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const num = (n) => String(n);
  const ports = (a, b) => (a === b ? `port ${a}` : `ports ${a}\u2013${b}`);

  // The data, unpacked once.
  const E = D.entries.map((r, i) => ({
    i, path: r[0], cat: r[1], from: r[2], to: r[2] + r[3], file: r[4], line: r[5], col: r[6],
    proto: r[7] || 0, desc: r[8] ?? -1, notes: r[9] ?? -1, findings: [], cls: '',
  }));
  const F = D.findings.map(([code, severity, message, location, entries, hint], i) => ({
    i, code, severity, message, location, entries, hint,
  }));
  const R = D.ranges.map(([pattern, from, to, depth], i) => ({ i, pattern, from, to, depth }));
  const depth = R.reduce((d, r) => Math.max(d, r.depth + 1), 0);
  for (const f of F) {
    for (const i of f.entries) E[i].findings.push(f.i);
  }
  for (const e of E) {
    const worst = e.findings.map((f) => F[f]).sort((a, b) => SEV[b.severity] - SEV[a.severity])[0];
    if (worst) e.cls = worst.code === 'out-of-range' ? 'outside' : worst.severity === 'error' ? 'conflict' : 'warned';
  }
  // Where each finding happens: two claimants meet where their ports overlap.
  const FM = [];
  for (const f of F) {
    const es = f.entries.map((i) => E[i]);
    if (!es.length) continue;
    const from = Math.max(...es.map((e) => e.from)), to = Math.min(...es.map((e) => e.to));
    if (f.code === 'duplicate-port' && from <= to) FM.push({ f, from, to });
    else for (const e of es) FM.push({ f, from: e.from, to: e.to });
  }
  FM.sort((a, b) => a.from - b.from);
  const singles = E.filter((e) => e.from === e.to);
  const spans = E.filter((e) => e.from !== e.to);

  // The first index in `list` (sorted by `key`) whose key is at least `v`.
  const lower = (list, v, key) => {
    let a = 0, b = list.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (key(list[m]) < v) a = m + 1; else b = m;
    }
    return a;
  };
  const covering = (lo, hi) => {
    const out = [];
    for (let k = lower(singles, lo, (e) => e.from); k < singles.length && singles[k].from <= hi; k++) out.push(singles[k]);
    for (const e of spans) if (e.from <= hi && e.to >= lo) out.push(e);
    return out.sort((a, b) => a.from - b.from || a.i - b.i);
  };

  // Colours: one hue per category, its lightness from the colour scheme.
  const sheet = document.createElement('style');
  sheet.textContent = D.categories.map((_, i) => {
    // Golden-angle steps through the hues, red left out: red says conflict.
    const h = Math.round(40 + ((i * 137.508 + 170) % 280));
    return `.c${i}{fill:hsl(${h} var(--mark-s) var(--mark-l))}.s${i}{background:hsl(${h} var(--mark-s) var(--mark-l))}`;
  }).join('\n');
  document.head.appendChild(sheet);

  // `crowded`: the marks drawn over others, for want of a free row.
  const view = { lo: MIN, hi: MAX, cursor: null, selected: null, leases: [], listeners: [], crowded: new Set() };
  const map = $('map'), overview = $('overview'), tip = $('tip'), status = $('status');
  let geometry = null;

  const clampView = (lo, hi) => {
    let span = Math.max(MIN_SPAN, Math.min(MAX - MIN + 1, hi - lo + 1));
    lo = Math.round(Math.max(MIN, Math.min(lo, MAX - span + 1)));
    view.lo = lo;
    view.hi = Math.min(MAX, lo + Math.round(span) - 1);
  };
  const zoomTo = (from, to) => {
    const pad = Math.max(2, Math.round((to - from + 1) * 0.04));
    clampView(from - pad, to + pad);
    schedule();
  };
  const zoom = (factor, at) => {
    const span = view.hi - view.lo + 1;
    const anchor = at ?? (view.lo + view.hi) / 2;
    const next = Math.max(MIN_SPAN, Math.min(MAX, span * factor));
    const lo = anchor - (anchor - view.lo) * (next / span);
    clampView(lo, lo + next - 1);
    schedule();
  };
  const pan = (fraction) => {
    const span = view.hi - view.lo + 1;
    const by = Math.round(span * fraction) || Math.sign(fraction);
    clampView(view.lo + by, view.hi + by);
    schedule();
  };

  let pending = false, after = [];
  const schedule = (then) => {
    if (then) after.push(then);
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
      const todo = after;
      after = [];
      for (const f of todo) f();
    });
  };

  // Lanes, top to bottom: their label and height.
  const lanes = () => {
    const out = [['axis', '', 22], ['reserved', 'reserved', 16]];
    for (let d = 0; d < Math.max(1, depth); d++) out.push([`range${d}`, d ? '' : 'ranges', 20]);
    out.push(['free', 'free', 10], ['entries', 'entries', ROWS * ROW + 4], ['findings', 'findings', 16]);
    if (D.live) out.push(['leases', 'leases', 16], ['listening', 'listening', 16]);
    const y = {};
    let at = 0;
    for (const [id, label, h] of out) { y[id] = { top: at, h, label }; at += h + 4; }
    return { y, height: at + 4 };
  };

  function render() {
    const width = Math.max(320, map.clientWidth || 800);
    const x0 = LEFT, x1 = width - RIGHT, lo = view.lo, hi = view.hi;
    const k = (x1 - x0) / (hi - lo + 1);
    const px = (p) => x0 + (p - lo) * k;
    const clip = (a, b) => [Math.max(x0 - 1, px(a)), Math.min(x1 + 1, px(b + 1))];
    const { y, height } = lanes();
    geometry = { x0, x1, k, lo, hi };
    const s = [];
    for (const id in y) if (y[id].label) s.push(`<text class="lane-label" x="4" y="${y[id].top + Math.min(y[id].h, 16) / 2 + 4}">${y[id].label}</text>`);
    // Axis: ticks at round ports, labels as text.
    const span = hi - lo + 1;
    const want = Math.max(2, Math.floor((x1 - x0) / 90));
    const raw = span / want, mag = 10 ** Math.floor(Math.log10(raw));
    const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) || 10 * mag);
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
      const x = px(t + 0.5).toFixed(1);
      s.push(`<line class="tick" x1="${x}" x2="${x}" y1="16" y2="${height}"/>`,
        `<text class="tick-label" x="${x}" y="12" text-anchor="middle">${num(t)}</text>`);
    }
    // Reservations, and the kernel's ephemeral range.
    const [ea, eb] = D.ephemeral;
    if (ea <= hi && eb >= lo) {
      const [a, b] = clip(ea, eb);
      s.push(`<rect class="ephemeral" x="${a}" y="${y.reserved.top}" width="${b - a}" height="${y.reserved.h}"><title>the kernel's ephemeral range ${ea}\u2013${eb} (Linux's default net.ipv4.ip_local_port_range): outgoing connections take these ports</title></rect>`);
      if (b - a > 90) s.push(`<text x="${a + 4}" y="${y.reserved.top + 12}">ephemeral</text>`);
    }
    for (const [from, to, reason] of D.reserved) {
      if (from > hi || to < lo) continue;
      const [a, b] = clip(from, to);
      s.push(`<rect class="reserved" x="${a}" y="${y.reserved.top}" width="${Math.max(1, b - a)}" height="${y.reserved.h}"><title>reserved ${ports(from, to)}: ${esc(reason)}</title></rect>`);
      if (b - a > reason.length * 6 + 8) s.push(`<text x="${a + 4}" y="${y.reserved.top + 12}">${esc(reason)}</text>`);
    }
    // Ranges as bands, nested ones in the lanes below their parents.
    for (const r of R) {
      if (r.from > hi || r.to < lo) continue;
      const [a, b] = clip(r.from, r.to);
      const lane = y[`range${r.depth}`];
      const label = `${r.pattern} ${r.from}\u2013${r.to}`;
      s.push(`<rect class="band" data-range="${r.i}" tabindex="0" role="button" aria-label="range ${esc(label)}: zoom to it" x="${a}" y="${lane.top}" width="${Math.max(1, b - a)}" height="${lane.h}"><title>${esc(label)}</title></rect>`);
      const last = r.pattern.split('.').pop();
      const text = [label, r.pattern, last].find((t) => b - a > t.length * 6.2 + 8) || '';
      if (text) s.push(`<text class="band-label" x="${Math.max(a, x0) + 4}" y="${lane.top + 14}">${esc(text)}</text>`);
    }
    D.gaps.forEach(([ri, from, to], gi) => {
      if (from > hi || to < lo) return;
      const [a, b] = clip(from, to);
      s.push(`<rect class="gap" data-gap="${gi}" x="${a}" y="${y.free.top}" width="${Math.max(1.5, b - a)}" height="${y.free.h}"><title>free: ${ports(from, to)} (${to - from + 1} ports) in ${esc(R[ri].pattern)}</title></rect>`);
    });
    // Entries: one mark each, in rows where they would overlap; grouped when too many.
    const seen = covering(lo, hi);
    const top = y.entries.top + 2;
    // An entry's pixels, at least 3 wide around its ports' centre.
    const markSpan = (e) => {
      const [a, b] = clip(e.from, e.to);
      if (b - a >= 3) return [a, b];
      const c = (a + b) / 2;
      return [c - 1.5, c + 1.5];
    };
    const mark = (e, a, b, at) => {
      const sel = view.selected === e.i ? ' selected' : '';
      return `<rect id="m${e.i}" class="mark c${e.cat} ${e.cls}${sel}" data-i="${e.i}" data-port="${e.from}" tabindex="0" aria-label="${esc(`${e.path}, ${ports(e.from, e.to)}`)}" x="${a.toFixed(2)}" y="${at}" width="${(b - a).toFixed(2)}" height="${ROW - 2}"/>`;
    };
    view.crowded = new Set();
    if (seen.length <= LIMIT) {
      const ends = new Array(ROWS).fill(-Infinity);
      let last = '';
      for (const e of seen) {
        const [a, b] = markSpan(e);
        let row = ends.findIndex((end) => end <= a);
        if (row < 0) { row = ROWS - 1; view.crowded.add(e.i); }
        ends[row] = b + 0.5;
        if (e.i === view.selected) last = mark(e, a, b, top + row * ROW);
        else s.push(mark(e, a, b, top + row * ROW));
      }
      // Drawn last, the selected mark is on top of any it shares a crowded row with.
      if (last) s.push(last);
    } else {
      const groups = new Map();
      for (const e of seen) {
        const [a, b] = clip(e.from, e.to);
        const g = Math.floor(((a + b) / 2 - x0) / GROUP_PX);
        const had = groups.get(g);
        if (had) {
          had.n++; had.from = Math.min(had.from, e.from); had.to = Math.max(had.to, e.to);
          if (e.cls === 'conflict') had.cls = 'conflict';
        } else groups.set(g, { n: 1, from: e.from, to: e.to, cat: e.cat, cls: e.cls === 'conflict' ? 'conflict' : '' });
      }
      for (const [g, v] of groups) {
        const h = Math.min(ROWS * ROW - 2, 5 + 7 * Math.log10(v.n + 1));
        s.push(`<rect class="mark group c${v.cat} ${v.cls}" data-from="${v.from}" data-to="${v.to}" tabindex="0" role="button" aria-label="${v.n} entries, ${ports(v.from, v.to)}: zoom in" x="${x0 + g * GROUP_PX}" y="${top + ROWS * ROW - 2 - h}" width="${GROUP_PX - 0.5}" height="${h}"/>`);
      }
      // The selected entry keeps a mark of its own above the groups, where it can be focused.
      const e = view.selected === null ? null : E[view.selected];
      if (e && e.to >= lo && e.from <= hi) {
        const [a, b] = markSpan(e);
        s.push(mark(e, a, b, top));
      }
    }
    // Findings where they happen.
    for (const m of FM) {
      if (m.from > hi || m.to < lo) continue;
      const [a, b] = clip(m.from, m.to);
      const c = (a + b) / 2, t = y.findings.top;
      s.push(`<path class="finding ${m.f.severity}" data-f="${m.f.i}" tabindex="0" role="button" aria-label="${esc(`${m.f.severity} ${m.f.code}: ${m.f.message}`)}" d="M${c - 6} ${t + 14}L${c} ${t + 2}L${c + 6} ${t + 14}Z"><title>${esc(`${m.f.code}: ${m.f.message}`)}</title></path>`);
    }
    if (D.live) {
      for (const l of view.leases) {
        if (l.port > hi || l.port < lo) continue;
        const [a, b] = clip(l.port, l.port), c = (a + b) / 2;
        s.push(`<rect class="lease" data-lease="${esc(l.service_name)}" tabindex="0" aria-label="${esc(`lease ${l.service_name} on port ${l.port}`)}" x="${c - 2}" y="${y.leases.top}" width="4" height="14"><title>${esc(leaseText(l))}</title></rect>`);
      }
      for (const l of view.listeners) {
        if (l.port > hi || l.port < lo) continue;
        const [a, b] = clip(l.port, l.port), c = (a + b) / 2;
        s.push(`<rect class="listen" data-listen="${l.port}" x="${c - 2}" y="${y.listening.top}" width="4" height="14"><title>${esc(listenText(l))}</title></rect>`);
      }
    }
    if (view.cursor !== null && view.cursor >= lo && view.cursor <= hi) {
      const x = px(view.cursor + 0.5).toFixed(1);
      s.push(`<line class="cursor" x1="${x}" x2="${x}" y1="16" y2="${height}"/>`);
    }
    map.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" role="group" aria-label="Port map, ports ${lo} to ${hi}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${s.join('')}</svg>`;
    $('window').textContent = `${ports(lo, hi)} \u00b7 ${seen.length} ${seen.length === 1 ? 'entry' : 'entries'} in view`;
    renderOverview(width);
  }

  let density = null;
  function renderOverview(width) {
    const x0 = LEFT, x1 = width - RIGHT, k = (x1 - x0) / (MAX - MIN + 1);
    const px = (p) => x0 + (p - MIN) * k;
    if (!density || density.width !== width) {
      const bins = new Uint32Array(Math.ceil(x1 - x0) + 1);
      for (const e of E) bins[Math.min(bins.length - 1, Math.floor(px(e.from) - x0))]++;
      const bars = [];
      bins.forEach((n, i) => { if (n) bars.push(`<rect class="c0" x="${x0 + i}" y="${20 - Math.min(14, 4 + 4 * Math.log10(n))}" width="1" height="${Math.min(14, 4 + 4 * Math.log10(n))}"/>`); });
      const bands = R.filter((r) => r.depth === 0).map((r) => `<rect class="band" x="${px(r.from)}" y="2" width="${Math.max(1, px(r.to + 1) - px(r.from))}" height="18"/>`);
      density = { width, body: bands.join('') + bars.join('') };
    }
    const a = px(view.lo), b = Math.max(a + 2, px(view.hi + 1));
    overview.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="24" viewBox="0 0 ${width} 24"><text class="lane-label" x="4" y="15">1\u201365535</text>${density.body}<rect class="viewport" x="${a}" y="1" width="${b - a}" height="21"/></svg>`;
  }

  // What a mark says on hover, focus and in the details panel.
  function describe(e) {
    const out = [['path', e.path], ['ports', e.from === e.to ? num(e.from) : `${e.from}\u2013${e.to}`],
      ['protocol', PROTO[e.proto]], ['category', D.categories[e.cat] ?? '']];
    if (e.desc >= 0) out.push(['description', D.strings[e.desc]]);
    if (e.notes >= 0) out.push(['notes', D.strings[e.notes]]);
    out.push(['defined at', e.file >= 0 ? `${D.files[e.file]}:${e.line}:${e.col}` : 'unknown']);
    for (const f of e.findings) out.push([F[f].severity, `${F[f].code}: ${F[f].message}`]);
    return out;
  }
  const dl = (pairs) => `<dl>${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
  const tipFor = (e) => {
    const [, ...rest] = describe(e);
    return `<strong>${esc(e.path)}</strong>${dl(rest.filter(([k]) => k !== 'category'))}`;
  };
  function showTip(html, x, y) {
    tip.innerHTML = html;
    tip.hidden = false;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = `${Math.max(4, Math.min(window.innerWidth - w - 4, x + 12))}px`;
    tip.style.top = `${y + h + 16 > window.innerHeight ? Math.max(4, y - h - 12) : y + 16}px`;
  }
  const hideTip = () => { tip.hidden = true; };

  function select(i, focus, tries = 0) {
    const e = E[i];
    view.selected = i;
    $('details').innerHTML = dl(describe(e));
    if (!tries && (e.from < view.lo || e.to > view.hi || covering(view.lo, view.hi).length > LIMIT)) {
      const r = innermost(e.from, e.to);
      if (r && r.to - r.from <= 5000) zoomTo(r.from, r.to); else zoomTo(e.from - 40, e.to + 40);
    }
    schedule(() => {
      // Drawn over its neighbours: closer, until it has a row of its own.
      const span = view.hi - view.lo + 1;
      if (view.crowded.has(i) && span > MIN_SPAN && tries < 8) {
        const next = Math.max(MIN_SPAN, Math.floor(span / 4)), mid = (e.from + e.to) / 2;
        clampView(mid - next / 2, mid + next / 2);
        return select(i, focus, tries + 1);
      }
      const m = document.getElementById(`m${i}`);
      if (m && focus) m.focus();
    });
  }

  const innermost = (from, to) => R.filter((r) => r.from <= from && to <= r.to).sort((a, b) => b.depth - a.depth || (a.to - a.from) - (b.to - b.from))[0];

  function goPort(p) {
    view.cursor = p;
    const here = covering(p, p);
    const r = innermost(p, p);
    if (r && r.to - r.from <= 5000) zoomTo(r.from, r.to); else zoomTo(p - 50, p + 50);
    const reserved = D.reserved.filter(([a, b]) => a <= p && p <= b).map(([, , why]) => why);
    const where = r ? ` in ${r.pattern}` : '';
    const leased = view.leases.filter((l) => l.port === p).map((l) => `leased by ${l.service_name}`);
    if (leased.length) say(`Port ${p}${where}: ${[...here.map((e) => e.path), ...leased].join(', ')}`);
    if (here.length) {
      select(here[0].i, true);
      if (!leased.length) say(`Port ${p}${where}: ${here.map((e) => e.path).join(', ')}`);
    } else if (!leased.length) {
      schedule();
      say(`Port ${p}${where} is free${reserved.length ? ` but reserved (${reserved.join('; ')})` : ''}.`);
    }
  }

  function search(q) {
    q = q.trim();
    if (!q) return;
    let m = /^(\d+)$/.exec(q);
    if (m) {
      const p = Number(m[1]);
      if (p < MIN || p > MAX) return say(`${q} is not a port: ports run from 1 to 65535.`);
      return goPort(p);
    }
    m = /^(\d+)\s*[-\u2013]\s*(\d+)$/.exec(q);
    if (m) {
      const a = Math.max(MIN, Number(m[1])), b = Math.min(MAX, Number(m[2]));
      view.cursor = null;
      if (a > b) return say(`${q} is an empty range.`);
      zoomTo(a, b);
      return say(`${ports(a, b)}: ${covering(a, b).length} entries.`);
    }
    view.cursor = null;
    const exact = E.find((e) => e.path === q);
    if (exact) { select(exact.i, true); return say(`${exact.path}: ${ports(exact.from, exact.to)}.`); }
    const range = R.filter((r) => r.pattern === q);
    if (range.length) {
      zoomTo(Math.min(...range.map((r) => r.from)), Math.max(...range.map((r) => r.to)));
      return say(`Range ${q}: ${range.map((r) => `${r.from}\u2013${r.to}`).join(', ')}.`);
    }
    const under = E.filter((e) => e.path.startsWith(`${q}.`) || e.path.startsWith(`${q}[`));
    const found = under.length ? under : E.filter((e) => e.path.toLowerCase().includes(q.toLowerCase()));
    if (!found.length) return say(`Nothing matches \u201c${q}\u201d: type a port, a path or a category.`);
    if (found.length === 1) { select(found[0].i, true); return say(`${found[0].path}: ${ports(found[0].from, found[0].to)}.`); }
    zoomTo(Math.min(...found.map((e) => e.from)), Math.max(...found.map((e) => e.to)));
    say(`${found.length} entries ${under.length ? 'under' : 'match'} ${q}.`);
  }
  const say = (text) => { status.textContent = text; };

  // The panels beside the map.
  function renderPanels() {
    $('title').textContent = `Port map of ${D.registry}`;
    $('generated').textContent = D.live
      ? `Served live by portnix serve: the registry ${D.registry} as it was when the server started, with the leases and listeners of now.`
      : D.generated;
    const list = $('findings');
    if (!F.length) list.innerHTML = '<li>No findings: every port is claimed once, in its range.</li>';
    else list.innerHTML = F.map((f) => `<li><a href="#" data-f="${f.i}"><span class="sev ${f.severity}">${f.severity}</span> <code>${esc(f.code)}</code> ${esc(f.message)}</a>${f.location ? ` <code>${esc(f.location)}</code>` : ''}</li>`).join('');
    $('findings-heading').textContent = `Findings (${F.length})`;
    $('free').innerHTML = D.gaps.length ? D.gaps.map(([ri, a, b], gi) => `<li><a href="#" data-gap="${gi}">${ports(a, b)}</a> (${b - a + 1}) in <code>${esc(R[ri].pattern)}</code></li>`).join('') : '<li>No ranges are configured.</li>';
    const shown = D.categories.slice(0, 60);
    $('legend').innerHTML = shown.map((c, i) => `<button type="button" data-cat="${i}"><span class="swatch s${i}"></span>${esc(c)}</button>`).join('') + (D.categories.length > shown.length ? `<span>and ${D.categories.length - shown.length} more</span>` : '');
  }

  function goFinding(f) {
    const ms = FM.filter((m) => m.f === F[f]);
    say(`${F[f].severity} ${F[f].code}: ${F[f].message}`);
    if (!ms.length) return;
    zoomTo(Math.min(...ms.map((m) => m.from)) - 10, Math.max(...ms.map((m) => m.to)) + 10);
    if (F[f].entries.length) select(F[f].entries[0], true);
  }

  const act = (target) => {
    const d = target.dataset;
    if (d.i !== undefined) return select(Number(d.i), true), true;
    if (d.range !== undefined) { const r = R[Number(d.range)]; zoomTo(r.from, r.to); return true; }
    if (d.gap !== undefined) { const [, a, b] = D.gaps[Number(d.gap)]; zoomTo(a, b); return true; }
    if (d.from !== undefined) { zoomTo(Number(d.from), Number(d.to)); return true; }
    if (d.f !== undefined) { goFinding(Number(d.f)); return true; }
    if (d.cat !== undefined) { $('search').value = D.categories[Number(d.cat)]; search($('search').value); return true; }
    return false;
  };

  // Events.
  $('search-form').addEventListener('submit', (ev) => { ev.preventDefault(); search($('search').value); });
  $('controls').addEventListener('click', (ev) => {
    const a = ev.target.closest('button')?.dataset.act;
    if (a === 'in') zoom(0.5); else if (a === 'out') zoom(2); else if (a === 'left') pan(-0.25); else if (a === 'right') pan(0.25);
    else if (a === 'all') { view.cursor = null; clampView(MIN, MAX); schedule(); }
  });
  for (const panel of ['findings', 'free', 'legend']) {
    $(panel).addEventListener('click', (ev) => {
      const t = ev.target.closest('[data-f],[data-gap],[data-cat]');
      if (t && act(t)) ev.preventDefault();
    });
  }
  map.addEventListener('click', (ev) => {
    if (dragged) return;
    const t = ev.target.closest('[data-i],[data-range],[data-from],[data-f],[data-gap]');
    if (t) act(t);
  });
  map.addEventListener('keydown', (ev) => {
    const t = ev.target;
    if ((ev.key === 'Enter' || ev.key === ' ') && t !== map && act(t)) return ev.preventDefault();
    if (t.dataset?.i !== undefined && (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft')) {
      const next = Number(t.dataset.i) + (ev.key === 'ArrowRight' ? 1 : -1);
      if (next >= 0 && next < E.length) select(next, true);
      return ev.preventDefault();
    }
    const keys = { '+': () => zoom(0.5), '=': () => zoom(0.5), '-': () => zoom(2), ArrowLeft: () => pan(-0.1), ArrowRight: () => pan(0.1), 0: () => { clampView(MIN, MAX); schedule(); }, Home: () => { clampView(MIN, MAX); schedule(); } };
    if (keys[ev.key]) { keys[ev.key](); ev.preventDefault(); }
  });
  const portAt = (clientX) => {
    if (!geometry) return null;
    const x = clientX - map.getBoundingClientRect().left;
    return geometry.lo + (x - geometry.x0) / geometry.k;
  };
  map.addEventListener('wheel', (ev) => { ev.preventDefault(); zoom(ev.deltaY > 0 ? 1.25 : 0.8, portAt(ev.clientX)); }, { passive: false });
  let drag = null, dragged = false;
  map.addEventListener('pointerdown', (ev) => { drag = { x: ev.clientX, lo: view.lo, hi: view.hi }; dragged = false; });
  window.addEventListener('pointermove', (ev) => {
    if (!drag || !geometry) return;
    const dx = ev.clientX - drag.x;
    if (Math.abs(dx) < 4 && !dragged) return;
    dragged = true;
    const by = Math.round(-dx / geometry.k);
    clampView(drag.lo + by, drag.hi + by);
    schedule();
  });
  window.addEventListener('pointerup', () => { drag = null; setTimeout(() => { dragged = false; }, 0); });
  overview.addEventListener('click', (ev) => {
    const w = overview.clientWidth, x0 = LEFT, x1 = w - RIGHT;
    const p = MIN + ((ev.clientX - overview.getBoundingClientRect().left - x0) / (x1 - x0)) * (MAX - MIN + 1);
    const span = view.hi - view.lo + 1;
    clampView(p - span / 2, p + span / 2);
    schedule();
  });
  const hoverText = (t) => {
    if (t.dataset.i !== undefined) return tipFor(E[Number(t.dataset.i)]);
    if (t.dataset.lease !== undefined) return esc(t.querySelector('title')?.textContent ?? '');
    return null;
  };
  map.addEventListener('mouseover', (ev) => {
    const t = ev.target.closest('[data-i],[data-lease]');
    const html = t && hoverText(t);
    if (html) showTip(html, ev.clientX, ev.clientY); else hideTip();
  });
  map.addEventListener('mouseleave', hideTip);
  map.addEventListener('focusin', (ev) => {
    const t = ev.target;
    const html = t !== map && hoverText(t);
    if (!html) return hideTip();
    if (t.dataset.i !== undefined) { view.selected = Number(t.dataset.i); $('details').innerHTML = dl(describe(E[view.selected])); }
    const r = t.getBoundingClientRect();
    showTip(html, r.left, r.bottom);
  });
  map.addEventListener('focusout', hideTip);
  new ResizeObserver(() => schedule()).observe(map);

  // The live half: leases and listeners from the server this page came from.
  function leaseText(l) {
    const pid = l.process_id ? `, pid ${l.process_id}` : '';
    return `${l.service_name} (${l.service_type}${l.scope ? `, scope ${l.scope}` : ''}) holds port ${l.port}/${l.protocol} on ${l.host}${pid}; expires ${l.expires_at}`;
  }
  const listenText = (l) => `${l.protocol} ${l.address}:${l.port}${l.command ? ` ${l.command}` : ''}${l.pid ? ` (pid ${l.pid})` : ''}`;
  async function poll() {
    try {
      const get = async (path) => {
        const r = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
        if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
        return r.json();
      };
      const [dir, heard] = await Promise.all([get('/ports/directory'), get('/ports/listening')]);
      view.leases = Object.values(dir).sort((a, b) => a.port - b.port);
      view.listeners = heard.listeners;
      $('leases').innerHTML = view.leases.length ? view.leases.map((l) => `<li data-lease="${esc(l.service_name)}"><a href="#" data-port="${l.port}">${l.port}</a> ${esc(leaseText(l))}</li>`).join('') : '<li>No leases.</li>';
      const shown = view.listeners.slice(0, 200);
      $('listening').innerHTML = shown.map((l) => `<li data-listen="${l.port}"><a href="#" data-port="${l.port}">${l.port}</a> ${esc(listenText(l))}</li>`).join('') || `<li>${esc(heard.unseen || 'Nothing listens.')}</li>`;
      $('live-status').textContent = `Updated ${new Date().toLocaleTimeString()}: ${view.leases.length} leases, ${view.listeners.length} listeners.`;
      schedule();
    } catch (err) {
      $('live-status').textContent = `Cannot reach the server: ${err.message}`;
    }
    setTimeout(poll, 2000);
  }
  if (D.live) {
    $('live-section').hidden = false;
    $('live-section').addEventListener('click', (ev) => {
      const t = ev.target.closest('[data-port]');
      if (t) { ev.preventDefault(); goPort(Number(t.dataset.port)); }
    });
    poll();
  }

  renderPanels();
  render();
  // Ready once the first frame is painted: what a benchmark times and a test waits for.
  requestAnimationFrame(() => setTimeout(() => {
    window.portnixReadyAt = performance.now();
    document.documentElement.dataset.ready = String(E.length);
  }, 0));
})();
