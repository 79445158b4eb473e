#!/usr/bin/env node
// The demo feeds' outside source, for the dev chain without internet: serves sixteen sensor
// channels (volts, three decimals) as JSON, `{"time": <unix s>, "sensors": [16 numbers]}`, each
// a slow sine wave of its own phase, so the values move every few seconds. The dev node's
// oracle reads it through scripts/demo-sources.toml (scripts/run-dev.sh starts both).
//
//   node scripts/demo-feed.mjs [PORT]     # default 8089, on 127.0.0.1 only
import http from 'node:http';

const port = Number(process.argv[2] ?? process.env.DEMO_FEED_PORT ?? 8089);
const CHANNELS = 16;

/// Channel `i` at time `t` (seconds): amplitude 2 V, a period of ten minutes.
export function sensor(i, t) {
	return Number((2 * Math.sin((2 * Math.PI * t) / 600 + i)).toFixed(3));
}

const server = http.createServer((request, response) => {
	if (request.method !== 'GET') {
		response.writeHead(405).end();
		return;
	}
	const t = Date.now() / 1000;
	const sensors = Array.from({ length: CHANNELS }, (_, i) => sensor(i, t));
	response.writeHead(200, { 'content-type': 'application/json' });
	response.end(JSON.stringify({ time: Math.floor(t), sensors }));
});
server.listen(port, '127.0.0.1', () => {
	console.log(`demo-feed: http://127.0.0.1:${port}/ serves ${CHANNELS} sensor channels`);
});
