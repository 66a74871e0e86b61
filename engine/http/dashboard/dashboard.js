/* kafka-mirror dashboard: polls ./status every second and renders it; charts with uPlot (served from node_modules). */
/* global document, window, fetch, uPlot */
'use strict';

const POLL_MS = 1000;
/** Chart history: 5 minutes of polls. */
const HISTORY = 300;

const history = { t: [], rate: [], latency: [], lagRecords: [], lagSeconds: [] };
let previous; // { atMs, records } of the last poll, for the throughput
let charts;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function fmtInt(v) {
  return v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US');
}

function fmtSec(v) {
  return v === null || v === undefined ? '–' : v.toFixed(1);
}

function fmtMs(v) {
  return v === null || v === undefined ? '–' : v.toFixed(1);
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
}

function makeCharts() {
  const width = (id) => Math.max(300, document.getElementById(id).clientWidth || 500);
  const axisTime = { stroke: '#6a7380', grid: { stroke: '#eef0f3' } };
  const throughput = new uPlot(
    {
      width: width('chart-throughput'),
      height: 220,
      legend: { live: false },
      series: [
        {},
        { label: 'records/s', stroke: '#2b6cb0', width: 2, scale: 'rate', value: (u, v) => (v === null ? '–' : v.toFixed(0)) },
        { label: 'latency avg ms (60 s window)', stroke: '#dd6b20', width: 2, scale: 'ms', value: (u, v) => (v === null ? '–' : v.toFixed(1)) },
      ],
      axes: [axisTime, { scale: 'rate', stroke: '#2b6cb0', grid: { stroke: '#eef0f3' } }, { scale: 'ms', side: 1, stroke: '#dd6b20', grid: { show: false } }],
      scales: { rate: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] }, ms: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] } },
    },
    [[], [], []],
    document.getElementById('chart-throughput'),
  );
  const lag = new uPlot(
    {
      width: width('chart-lag'),
      height: 220,
      legend: { live: false },
      series: [
        {},
        { label: 'lag records', stroke: '#805ad5', width: 2, scale: 'rec', value: (u, v) => (v === null ? '–' : v.toFixed(0)) },
        { label: 'lag seconds (max)', stroke: '#c53030', width: 2, scale: 's', value: (u, v) => (v === null ? '–' : v.toFixed(1)) },
      ],
      axes: [axisTime, { scale: 'rec', stroke: '#805ad5', grid: { stroke: '#eef0f3' } }, { scale: 's', side: 1, stroke: '#c53030', grid: { show: false } }],
      scales: { rec: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] }, s: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    },
    [[], [], []],
    document.getElementById('chart-lag'),
  );
  return { throughput, lag };
}

/** Mean replication latency over partitions, weighted by their record rate (unweighted when idle). */
function meanLatency(partitions) {
  let sum = 0;
  let weight = 0;
  for (const p of partitions) {
    const avg = p.replicationLatencyMs && p.replicationLatencyMs.avg;
    if (avg === null || avg === undefined) continue;
    const w = p.recordRate > 0 ? p.recordRate : 1e-9;
    sum += avg * w;
    weight += w;
  }
  return weight > 0 ? sum / weight : null;
}

function record(status, nowMs) {
  const records = status.totals.recordsMirrored;
  const rate = previous ? Math.max(0, ((records - previous.records) * 1000) / Math.max(1, nowMs - previous.atMs)) : null;
  previous = { atMs: nowMs, records };
  history.t.push(nowMs / 1000);
  history.rate.push(rate);
  history.latency.push(meanLatency(status.partitions));
  history.lagRecords.push(status.totals.lagRecords);
  history.lagSeconds.push(status.totals.lagSeconds);
  for (const k of Object.keys(history)) if (history[k].length > HISTORY) history[k].shift();
  return rate;
}

function renderHeader(status) {
  const e = status.engine;
  const tasks = e.mode === 'multi-process' ? ', ' + e.tasks.length + ' tasks' : '';
  document.getElementById('engine-meta').textContent = 'v' + e.version + ' · ' + e.mode + tasks + ' · pid ' + e.pid + ' · up ' + duration(e.uptimeMs) + ' · ' + e.phase;
  const ready = document.getElementById('ready');
  ready.textContent = e.ready ? 'READY' : 'NOT READY';
  ready.className = 'badge ' + (e.ready ? 'badge-ready' : 'badge-notready');
  ready.title = e.notReady.join('\n');
}

function renderCards(status, rate) {
  const t = status.totals;
  document.getElementById('total-mirrored').textContent = fmtInt(t.recordsMirrored);
  document.getElementById('throughput').textContent = rate === null ? '–' : fmtInt(rate);
  document.getElementById('total-lag-records').textContent = fmtInt(t.lagRecords);
  document.getElementById('total-lag-seconds').textContent = fmtSec(t.lagSeconds);
  const trunc = document.getElementById('total-truncations');
  trunc.textContent = fmtInt(t.truncations) + ' (' + fmtInt(t.lostRecords) + ')';
  trunc.className = 'value' + (t.truncations > 0 ? ' bad' : '');
  document.getElementById('total-resets').textContent = fmtInt(t.topicResets);
}

function cell(row, value, cls) {
  row.appendChild(el('td', cls ? { class: cls } : {}, value));
}

function renderFlows(status) {
  const body = document.querySelector('#flows tbody');
  body.replaceChildren();
  for (const f of status.flows) {
    const tr = el('tr', { 'data-flow': f.name, class: 'state-' + f.state });
    cell(tr, f.name);
    cell(tr, f.state, 'state state-' + f.state);
    cell(tr, f.partitions, 'num');
    cell(tr, fmtInt(f.lagRecords), 'num');
    cell(tr, fmtSec(f.lagSeconds), 'num');
    cell(tr, fmtInt(f.recordsMirrored), 'num');
    cell(tr, fmtInt(f.offsetSyncs), 'num');
    cell(tr, fmtInt(f.checkpoints), 'num');
    cell(tr, f.error ? f.error.code + ': ' + f.error.message : '');
    body.appendChild(tr);
  }
}

function renderPartitions(status) {
  const body = document.querySelector('#partitions tbody');
  body.replaceChildren();
  for (const p of status.partitions) {
    const kind = p.lastEvent ? p.lastEvent.kind : '';
    const tr = el('tr', { 'data-key': p.flow + '/' + p.topic + '/' + p.partition, class: 'state-' + p.state + (kind ? ' event-' + kind : '') });
    cell(tr, p.flow);
    const topic = el('td', { class: 'topic' }, p.topic);
    topic.appendChild(el('span', { class: 'remote' }, '→ ' + p.remoteTopic));
    tr.appendChild(topic);
    cell(tr, p.partition, 'num');
    cell(tr, p.state, 'state state-' + p.state);
    const fields = [
      ['next-offset', fmtInt(p.nextOffset)],
      ['log-start', fmtInt(p.sourceLogStartOffset)],
      ['log-end', fmtInt(p.sourceLogEndOffset)],
      ['lag-records', fmtInt(p.lagRecords)],
      ['lag-seconds', fmtSec(p.lagSeconds)],
      ['mirrored', fmtInt(p.recordsMirrored)],
      ['rate', fmtInt(p.recordRate)],
      ['latency', fmtMs(p.replicationLatencyMs && p.replicationLatencyMs.avg)],
    ];
    for (const [name, value] of fields) tr.appendChild(el('td', { class: 'num', 'data-field': name }, value));
    cell(tr, p.lastEvent ? p.lastEvent.event + ' ' + p.lastEvent.time.slice(11, 19) : '', 'last-event');
    body.appendChild(tr);
  }
}

function renderEvents(status) {
  const list = document.getElementById('events');
  list.replaceChildren();
  if (status.events.length === 0) {
    list.appendChild(el('li', { class: 'empty' }, 'no events'));
    return;
  }
  for (const e of status.events) {
    const li = el('li', { class: 'event event-' + e.kind + ' severity-' + e.severity, 'data-event': e.event });
    li.appendChild(el('span', { class: 'time' }, e.time.replace('T', ' ').slice(0, 23)));
    li.appendChild(el('span', { class: 'sev' }, e.severity.toUpperCase()));
    li.appendChild(el('span', { class: 'msg' }, e.message));
    const evidence = Object.entries(e.evidence).map(([k, v]) => k + '=' + (typeof v === 'object' ? JSON.stringify(v) : v)).join('  ');
    if (evidence) li.appendChild(el('div', { class: 'evidence' }, evidence));
    list.appendChild(li);
  }
}

function renderCharts() {
  if (!charts) charts = makeCharts();
  charts.throughput.setData([history.t, history.rate, history.latency]);
  charts.lag.setData([history.t, history.lagRecords, history.lagSeconds]);
}

async function poll() {
  const connection = document.getElementById('connection');
  try {
    const res = await fetch('status', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const status = await res.json();
    const rate = record(status, Date.now());
    renderHeader(status);
    renderCards(status, rate);
    renderFlows(status);
    renderPartitions(status);
    renderEvents(status);
    renderCharts();
    connection.textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
  } catch (err) {
    connection.textContent = 'engine not answering: ' + err.message;
    const ready = document.getElementById('ready');
    ready.textContent = 'DOWN';
    ready.className = 'badge badge-down';
  }
}

window.addEventListener('resize', () => {
  if (!charts) return;
  for (const [id, chart] of [['chart-throughput', charts.throughput], ['chart-lag', charts.lag]]) {
    chart.setSize({ width: Math.max(300, document.getElementById(id).clientWidth), height: 220 });
  }
});

poll();
window.setInterval(poll, POLL_MS);
