// The pure half of the load generator (`loadgen.mjs`): from the blocks it saw and the
// transactions it sent, the figures of the report and its plot. Nothing here talks to a node,
// so the tests exercise it without one (`test/loadgen.test.mjs`).
//
// The data it works on:
//   a block (`facts`): { hash, parent, number, seenAt, timestamp, extrinsics, signed,
//       ours: [tx hash], submitted: [[job id, tx hash]], settled: [job id],
//       refunded: [[job id, reason]], failed: [[tx hash, error]] }
//     `seenAt` is when the load generator first saw the block (ms, local clock), `timestamp` the
//     block's own (`timestamp.set`, ms); `submitted` and `failed` hold our transactions only,
//     `settled` and `refunded` every job's (ids are strings: a u64 does not fit a JS number).
//   a transaction (`tx`): { hash, account, nonce, jobs, sentAt, dues: [ms], state, error }
//     `state` is `sent` (the RPC has not answered), `pooled` (the pool took it) or `refused`
//     (the RPC answered with an error, `error`); `jobs` is how many jobs it submits.

/** The `p`-th percentile (nearest rank) of `values`, or null if there are none. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** `{ p50, p99, max }` of `values` (nulls if there are none), rounded to `digits`. */
export function spread(values, { digits = 3, ps = [50, 99] } = {}) {
  const round = (v) => (v === null || v === undefined ? null : Number(v.toFixed(digits)));
  const out = Object.fromEntries(ps.map((p) => [`p${p}`, round(percentile(values, p))]));
  out.max = round(values.length ? Math.max(...values) : null);
  return out;
}

/** Adds one to `counts[key]`, or `n`. */
function bump(counts, key, n = 1) {
  counts[key] = (counts[key] ?? 0) + n;
}

/**
 * The chain that ends in block `head` (a hash), oldest first, as far back as `blocks` (a Map of
 * hash to facts) knows it.
 */
export function chainTo(blocks, head) {
  const chain = [];
  for (let block = blocks.get(head); block; block = blocks.get(block.parent)) chain.push(block);
  return chain.reverse();
}

/**
 * `chain` with the clock its times are read on: the blocks' own timestamps (`'timestamp'`), or,
 * when any block is stamped more than a second after loadgen saw it, when loadgen saw each block
 * (`'seen'`, the blocks' `timestamp` replaced by `seenAt`, their own kept as `stamped`). A dev node with instant or manual
 * sealing stamps each block at least a slot after its parent, so its clock runs ahead of the
 * wall clock while blocks come faster than one a slot.
 */
export function withClock(chain) {
  const ahead = chain.some((b) => b.timestamp !== null && b.timestamp > b.seenAt + 1000);
  if (!ahead) return { clock: 'timestamp', chain };
  return { clock: 'seen', chain: chain.map((b) => ({ ...b, timestamp: b.seenAt, stamped: b.timestamp })) };
}

/**
 * What happened to our transactions and jobs on one chain (`chain`, oldest first): each thing is
 * counted once, by transaction hash and job id, and only if it is on this chain, so blocks that
 * were re-orged out (they are not on it) count for nothing.
 *
 * Returns `{ included: Map(tx hash -> block), failed: Map(tx hash -> error),
 * jobs: Map(job id -> { tx, block, settled: block | null, refunded: { block, reason } | null }) }`.
 */
export function tally(chain, txs) {
  const included = new Map();
  const failed = new Map();
  const jobs = new Map();
  for (const block of chain) {
    for (const hash of block.ours) if (txs.has(hash)) included.set(hash, block);
    for (const [hash, error] of block.failed) failed.set(hash, error);
    for (const [id, tx] of block.submitted) jobs.set(id, { tx, block, settled: null, refunded: null });
    for (const id of block.settled) {
      const job = jobs.get(id);
      if (job) job.settled = block;
    }
    for (const [id, reason] of block.refunded) {
      const job = jobs.get(id);
      if (job) job.refunded = { block, reason };
    }
  }
  return { included, failed, jobs };
}

/**
 * The job counts of the report from the transactions sent and their tally on the counted chain:
 * `{ sent, submitted, settled, refunded, lost, dropped, refusedAtSubmission, failedOnChain,
 * notOpened }` (the by-kind ones as `{ total, byX }`) and the same for transactions.
 */
export function countJobs(txs, { included, failed, jobs }) {
  const refused = { total: 0, byError: {} };
  const failedOnChain = { total: 0, byError: {} };
  const refunded = { total: 0, byReason: {} };
  const opened = new Map(); // tx hash -> jobs it opened on this chain
  for (const job of jobs.values()) opened.set(job.tx, (opened.get(job.tx) ?? 0) + 1);
  let sent = 0;
  let dropped = 0;
  let notOpened = 0;
  const transactions = { sent: 0, refused: 0, included: 0, failedOnChain: 0, dropped: 0 };
  for (const tx of txs.values()) {
    sent += tx.jobs;
    transactions.sent += 1;
    if (included.has(tx.hash)) {
      transactions.included += 1;
      if (failed.has(tx.hash)) {
        transactions.failedOnChain += 1;
        failedOnChain.total += tx.jobs;
        bump(failedOnChain.byError, failed.get(tx.hash), tx.jobs);
      } else {
        // Included and not failed: each of its jobs has a `JobSubmitted`, or it is counted here.
        notOpened += Math.max(0, tx.jobs - (opened.get(tx.hash) ?? 0));
      }
    } else if (tx.state === 'refused') {
      transactions.refused += 1;
      refused.total += tx.jobs;
      bump(refused.byError, tx.error ?? 'unknown', tx.jobs);
    } else {
      transactions.dropped += 1;
      dropped += tx.jobs;
    }
  }
  let settled = 0;
  let lost = 0;
  for (const job of jobs.values()) {
    if (job.settled) settled += 1;
    else if (job.refunded) {
      refunded.total += 1;
      bump(refunded.byReason, job.refunded.reason);
    } else lost += 1;
  }
  return {
    jobs: { sent, submitted: jobs.size, settled, refunded, lost, dropped, refusedAtSubmission: refused, failedOnChain, notOpened },
    transactions,
  };
}

/**
 * Jobs a second between two block boundaries: the jobs `count(block)` of the blocks after
 * the first block that has any and up to the last block stamped at or before `untilMs`, over
 * the time between the two blocks' timestamps. Counting from one block's boundary to another's
 * is exact whatever the block time; `null` if fewer than two blocks qualify.
 */
export function steadyRate(chain, count, untilMs) {
  const first = chain.findIndex((b) => count(b) > 0);
  let last = -1;
  chain.forEach((b, i) => { if (b.timestamp !== null && b.timestamp <= untilMs) last = i; });
  if (first < 0 || last <= first || chain[first].timestamp === null) return null;
  let jobs = 0;
  for (let i = first + 1; i <= last; i++) jobs += count(chain[i]);
  const seconds = (chain[last].timestamp - chain[first].timestamp) / 1000;
  if (seconds <= 0) return null;
  return { perSecond: Number((jobs / seconds).toFixed(2)), fromBlock: chain[first].number, toBlock: chain[last].number, seconds: Number(seconds.toFixed(1)) };
}

/** Seconds between consecutive blocks of `chain` by their timestamps: `[[at, seconds]]`. */
export function blockTimes(chain) {
  const out = [];
  for (let i = 1; i < chain.length; i++) {
    const [a, b] = [chain[i - 1], chain[i]];
    if (a.timestamp !== null && b.timestamp !== null && b.number === a.number + 1) out.push([b.timestamp, (b.timestamp - a.timestamp) / 1000]);
  }
  return out;
}

/**
 * Latencies of our settled jobs: `[{ at, seconds, blocks }]`, `at` when the settlement was seen
 * (ms), `seconds` from sending the job's transaction to then, `blocks` from the block of
 * `JobSubmitted` to that of `JobSettled`.
 */
export function latencies(txs, jobs) {
  const out = [];
  for (const job of jobs.values()) {
    const tx = txs.get(job.tx);
    if (!job.settled || !tx) continue;
    out.push({ at: job.settled.seenAt, seconds: (job.settled.seenAt - tx.sentAt) / 1000, blocks: job.settled.number - job.block.number });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The plot: hand-written SVG, three panels over a shared time axis.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

/** XML-escapes `text`. */
export function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

/** Round tick values (1, 2, 5 × 10^k apart) covering [0, max], about `count` of them. */
export function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => max / s <= count + 1);
  const ticks = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1) < max) ticks.push(Number((ticks.at(-1) + step).toPrecision(12)));
  return ticks;
}

/** A tick label: no trailing zeros, at most three decimals. */
function label(v) {
  return String(Number(v.toFixed(3)));
}

/**
 * One panel: `{ title, yLabel, series: [{ name, points: [[x, y]], dots? }] }` drawn in the box
 * `{ x, y, w, h }` over the x range [0, xMax] with ticks `xTicks`.
 */
function panelSvg(panel, box, xTicks, marker) {
  const xMax = xTicks.at(-1);
  const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const yTicks = niceTicks(ys.length ? Math.max(...ys) : 0, 4);
  const yMax = yTicks.at(-1);
  const px = (x) => box.x + (x / xMax) * box.w;
  const py = (y) => box.y + box.h - (y / yMax) * box.h;
  const out = [`<g class="panel">`, `<text class="title" x="${box.x}" y="${box.y - 10}">${escapeXml(panel.title)}</text>`];
  out.push(`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#888"/>`);
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${box.x}" y1="${y}" x2="${box.x + box.w}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text class="tick" x="${box.x - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${box.y}" x2="${x}" y2="${box.y + box.h}" stroke="#f0f0f0"/>`);
    out.push(`<text class="tick" x="${x}" y="${box.y + box.h + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  out.push(`<text class="axis" transform="translate(${box.x - 48},${box.y + box.h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`);
  if (marker !== null && marker > 0 && marker <= xMax) {
    const x = px(marker).toFixed(1);
    out.push(`<line x1="${x}" y1="${box.y}" x2="${x}" y2="${box.y + box.h}" stroke="#555" stroke-dasharray="5,4"/>`);
    // The label goes left of the line near the right edge, clear of the legend.
    const [dx, anchor] = marker > 0.8 * xMax ? [-4, 'end'] : [4, 'start'];
    out.push(`<text class="tick" x="${x}" y="${box.y + 12}" dx="${dx}" text-anchor="${anchor}">sending ends</text>`);
  }
  if (ys.length === 0) {
    out.push(`<text class="axis" x="${box.x + box.w / 2}" y="${box.y + box.h / 2}" text-anchor="middle">no data</text>`);
  }
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 1) {
      const d = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${d}"/>`);
    }
    if (s.dots || pts.length === 1) {
      for (const [x, y] of pts.slice(0, 2000)) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.2" fill="${color}"/>`);
    }
    const ly = box.y + 14 + i * 18;
    out.push(`<line x1="${box.x + box.w + 14}" y1="${ly}" x2="${box.x + box.w + 34}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text class="legend" x="${box.x + box.w + 40}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/**
 * An SVG picture of `panels` (see `panelSvg`) stacked over one x axis, seconds from 0 to the
 * largest x of any series, under `title` and the lines of `subtitle`; `marker` draws a dashed
 * line at that x in every panel.
 */
export function renderSvg({ title, subtitle = [], xLabel, panels, marker = null }) {
  const lines = [].concat(subtitle);
  const [width, left, right, top, panelH, gap] = [1000, 80, 190, 54 + 16 * lines.length, 210, 70];
  const xs = panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x))).filter(Number.isFinite);
  const xTicks = niceTicks(Math.max(1, ...xs, marker ?? 0), 10);
  const height = top + panels.length * (panelH + gap) + 10;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<style>.title{font-size:15px;font-weight:bold}.tick{font-size:11px;fill:#333}.axis{font-size:12px;fill:#333}.legend{font-size:12px}</style>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="26" font-size="18" font-weight="bold">${escapeXml(title)}</text>`,
    ...lines.map((line, i) => `<text x="${left}" y="${46 + 16 * i}" font-size="12" fill="#444">${escapeXml(line)}</text>`),
  ];
  panels.forEach((panel, i) => {
    const box = { x: left, y: top + 20 + i * (panelH + gap), w: width - left - right, h: panelH - 20 };
    out.push(panelSvg(panel, box, xTicks, marker));
    out.push(`<text class="axis" x="${box.x + box.w / 2}" y="${box.y + box.h + 34}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Counts of `items` (each `[ms, n]`) per bucket of `width` s from `t0`: `[[x, n / width]]`. */
export function perSecond(items, t0, width) {
  const buckets = new Map();
  for (const [ms, n] of items) {
    const k = Math.floor((ms - t0) / 1000 / width);
    buckets.set(k, (buckets.get(k) ?? 0) + n);
  }
  if (buckets.size === 0) return [];
  const last = Math.max(...buckets.keys());
  const first = Math.min(0, ...buckets.keys());
  const out = [];
  for (let k = first; k <= last; k++) out.push([(k + 0.5) * width, (buckets.get(k) ?? 0) / width]);
  return out;
}

/** p50 and p99 of `items` (each `[ms, value]`) per bucket of `width` s from `t0`. */
export function bucketPercentiles(items, t0, width) {
  const buckets = new Map();
  for (const [ms, v] of items) {
    const k = Math.floor((ms - t0) / 1000 / width);
    if (!buckets.has(k)) buckets.set(k, []);
    buckets.get(k).push(v);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  return {
    p50: keys.map((k) => [(k + 0.5) * width, percentile(buckets.get(k), 50)]),
    p99: keys.map((k) => [(k + 0.5) * width, percentile(buckets.get(k), 99)]),
  };
}

/**
 * The report's three panels over time from the counted chain: jobs a second (sent, submitted on
 * chain, settled), settlement latency p50/p99, and block time. Jobs are placed by the block's
 * timestamp (on `clock`, see `withClock`), latencies by when the settlement was seen, sends by
 * when they were sent.
 */
export function plotPanels({ chain, txs, jobs, t0, bucketSeconds, clock = 'timestamp' }) {
  const sent = [...txs.values()].map((tx) => [tx.sentAt, tx.jobs]);
  const submitted = chain.filter((b) => b.timestamp !== null).map((b) => [b.timestamp, b.submitted.length]);
  const settled = [];
  for (const job of jobs.values()) if (job.settled && job.settled.timestamp !== null) settled.push([job.settled.timestamp, 1]);
  const lat = bucketPercentiles(latencies(txs, jobs).map((l) => [l.at, l.seconds]), t0, bucketSeconds);
  const blocks = blockTimes(chain).map(([ms, s]) => [(ms - t0) / 1000, s]).filter(([x]) => x >= 0);
  return [
    {
      title: `Jobs per second (per ${bucketSeconds} s)`,
      yLabel: 'jobs / s',
      series: [
        { name: 'sent', points: perSecond(sent, t0, bucketSeconds) },
        { name: 'submitted (on chain)', points: perSecond(submitted, t0, bucketSeconds) },
        { name: 'settled', points: perSecond(settled, t0, bucketSeconds) },
      ],
    },
    {
      title: `Latency, send to JobSettled seen (per ${bucketSeconds} s of settlement)`,
      yLabel: 'seconds',
      series: [{ name: 'p50', points: lat.p50, dots: true }, { name: 'p99', points: lat.p99, dots: true }],
    },
    {
      title: clock === 'seen' ? 'Block time (between blocks as loadgen saw them)' : 'Block time (on-chain timestamps)',
      yLabel: 'seconds',
      series: [{ name: 'block time', points: blocks, dots: blocks.length <= 400 }],
    },
  ];
}
