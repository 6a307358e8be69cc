// The province dashboard: one row per office with its live figures, and the
// alarms above. Redrawn when the centre stores an office's change (server-
// sent events from the centre, fed by PostgreSQL notifications) and every
// 15 s for the waiting times.
import { $, ApiError, api, clock, fill, h, toSignIn } from '/assets/common.js';
import { oneAtATime } from '/assets/one-at-a-time.js';
import { C, fmt, provincePage } from '/assets/province-page.js';

/** @typedef {import('../../../shared/api/central.js').OfficesAnswer} OfficesAnswer */

/** @param {number} n */
const num = (n) => n.toLocaleString('vi-VN');

const H = C.headings;
fill(
  $('office-head'),
  [H.office, H.waiting, H.longest, H.serving, H.counters, H.devices, H.paper, H.lastCall, H.updated].map(
    (t) => h('th', {}, t),
  ),
);

/** @type {OfficesAnswer | null} */
let latest = null;

/** @param {OfficesAnswer} data */
function draw(data) {
  latest = data;
  const names = new Map(data.offices.map((o) => [o.id, o.name]));
  const waiting = data.offices.reduce((s, o) => s + o.waiting, 0);
  const open = data.offices.reduce((s, o) => s + o.countersOpen, 0);
  const counters = data.offices.reduce((s, o) => s + o.counters, 0);
  $('totals').textContent = fmt(C.totals, {
    offices: data.offices.length,
    waiting: num(waiting),
    open,
    counters,
  });
  fill(
    $('alarms'),
    data.alarms.length
      ? data.alarms.map((a) =>
          h(
            'li',
            { dataset: { office: a.officeId, kind: a.kind } },
            fmt(C.alarm[a.kind], { office: names.get(a.officeId), value: a.value }),
          ),
        )
      : [h('li', { class: 'none' }, C.noAlarms)],
  );
  const now = Date.now();
  fill(
    $('office-rows'),
    data.offices.length
      ? data.offices.map((o) => {
          const longest = o.oldestWaitingAt === null ? null : Math.floor((now - o.oldestWaitingAt) / 60_000);
          const call = o.lastCall;
          return h(
            'tr',
            { dataset: { office: o.id } },
            h('td', {}, o.name),
            h('td', { class: 'num waiting' }, num(o.waiting)),
            h(
              'td',
              { class: `num longest ${longest !== null && longest >= data.targetMinutes ? 'bad' : ''}` },
              longest === null ? C.never : fmt(C.minutes, { n: longest }),
            ),
            h('td', { class: 'num' }, num(o.serving)),
            h(
              'td',
              { class: `num ${o.waiting > 0 && o.countersOpen === 0 ? 'bad' : ''}` },
              `${o.countersOpen}/${o.counters}`,
            ),
            h('td', { class: `num ${o.devicesOffline ? 'bad' : ''}` }, num(o.devicesOffline)),
            h('td', { class: `num ${o.paperLow ? 'warn' : ''}` }, num(o.paperLow)),
            h(
              'td',
              { class: 'last-call' },
              call
                ? `${fmt(C.call, { display: call.display, counter: call.counterName ?? call.counterId })} (${clock(call.at)})`
                : C.never,
            ),
            h('td', {}, o.lastReceivedAt ? clock(o.lastReceivedAt) : C.never),
          );
        })
      : [h('tr', {}, h('td', { colspan: 9 }, C.noOffices))],
  );
}

const load = oneAtATime(() =>
  api('GET', '/api/offices')
    .then(draw)
    .catch((e) => {
      if (e instanceof ApiError && e.status === 401) toSignIn();
    }),
);

function follow() {
  const source = new EventSource('/api/events');
  source.addEventListener('change', () => load());
  source.onopen = () => {
    $('live').textContent = `● ${C.live}`;
    $('live').className = 'live';
    load();
  };
  source.onerror = () => {
    $('live').textContent = C.reconnecting;
    $('live').className = 'live off';
  };
}

const links = [{ href: '/reports', text: C.reports }];
// The header's live mark: the centre's event feed connected or not.
await provincePage({ title: C.dashboard, links, live: true }, async () => {
  load();
  follow();
  setInterval(() => (latest ? load() : undefined), 15_000);
});
