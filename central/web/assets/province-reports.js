// Cross-office reports: service level per office and day, ratings per
// officer; each table also as CSV (the same query, format=csv).
import { $, ApiError, api, fill, h, site, toSignIn } from '/assets/common.js';
import { C, fmt, provincePage } from '/assets/province-page.js';

/** @typedef {import('../../../shared/api/central.js').ServiceLevelAnswer} ServiceLevelAnswer */
/** @typedef {import('../../../shared/api/central.js').OfficerRatingsAnswer} OfficerRatingsAnswer */

const K = C.columns;
const today = new Intl.DateTimeFormat('en-CA', { timeZone: site.timeZone }).format(Date.now());

$('from').value = today;
$('to').value = today;
const cells = (values) => values.map((v) => h('td', { class: typeof v === 'number' ? 'num' : '' }, v ?? '—'));

async function show() {
  const q = `from=${$('from').value}&to=${$('to').value}`;
  $('level-csv').href = `/api/reports/service-level?${q}&format=csv`;
  $('ratings-csv').href = `/api/reports/ratings?${q}&format=csv`;
  /** @type {[ServiceLevelAnswer, OfficerRatingsAnswer]} */
  const [level, ratings] = await Promise.all([
    api('GET', `/api/reports/service-level?${q}`),
    api('GET', `/api/reports/ratings?${q}`),
  ]);
  $('level-title').textContent = fmt(C.serviceLevelTitle, { target: level.targetMinutes });
  fill(
    $('level-head'),
    [K.office, K.date, K.issued, K.called, K.served, K.noShows, K.serviceLevel, K.avgWait, K.maxWait].map(
      (t) => h('th', {}, t),
    ),
  );
  fill(
    $('level-rows'),
    level.rows.length
      ? level.rows.map((r) =>
          h(
            'tr',
            {},
            cells([
              r.officeName,
              r.serviceDate,
              r.issued,
              r.called,
              r.served,
              r.noShows,
              r.serviceLevel === null ? null : `${Math.round(r.serviceLevel * 100)}%`,
              r.avgWaitSeconds,
              r.maxWaitSeconds,
            ]),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 9 }, C.noData))],
  );
  const levels = [...new Set(ratings.rows.flatMap((r) => Object.keys(r.levels)))].sort();
  fill(
    $('ratings-head'),
    [K.office, K.officer, K.ratings, K.score, K.avgScore, ...levels].map((t) => h('th', {}, t)),
  );
  fill(
    $('ratings-rows'),
    ratings.rows.length
      ? ratings.rows.map((r) =>
          h(
            'tr',
            {},
            cells([
              r.officeName,
              r.officer || '—',
              r.ratings,
              r.score,
              r.avgScore,
              ...levels.map((l) => r.levels[l] ?? 0),
            ]),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 5 }, C.noData))],
  );
}

$('range').addEventListener('submit', (event) => {
  event.preventDefault();
  show().catch((e) =>
    e instanceof ApiError && e.status === 401
      ? toSignIn()
      : alert(e instanceof Error ? e.message : String(e)),
  );
});
await provincePage({ title: C.reports, links: [{ href: '/dashboard', text: C.dashboard }] }, show);
