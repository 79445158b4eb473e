// `cli.mjs` as a user meets it, without a node: usage, bad arguments, a node that cannot be
// reached. Each ends with a clear exit code and at most one line on stderr, never a stack trace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli.mjs', import.meta.url));
const MODEL = `0x${'ab'.repeat(32)}`;

/** Runs the CLI; resolves `{ code, stdout, stderr }`. */
function cli(args, env = {}) {
  return new Promise((resolve) => {
    const options = { env: { ...process.env, VERITY_DEBUG: '', ...env }, timeout: 30_000 };
    execFile(process.execPath, [CLI, ...args], options, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/** Asserts that `stderr` is one `cli.mjs: ...` line matching `pattern`, without stack frames. */
function oneLine(stderr, pattern) {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^cli\.mjs: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

/** A port nothing listens on. */
function closedPort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

test('--help, -h and help print the usage of every command and option', async () => {
  for (const args of [['--help'], ['-h'], ['help'], ['submit', '--help'], ['bogus', '-h']]) {
    const { code, stdout, stderr } = await cli(args);
    assert.equal(code, 0, `${args}: ${stderr}`);
    assert.equal(stderr, '');
    assert.match(stdout, /^usage: cli\.mjs/);
    for (const word of ['demo', 'register FILE', 'submit MODEL', 'challenge JOB', 'set-worker WORKER', 'accept-worker OPERATOR', '--url', '--as', '--values', '--mode', '--frac',
      '--input', '--output', '--price', '--serve-as', 'VERITY_DEBUG']) {
      assert.ok(stdout.includes(word), `usage lacks ${word}`);
    }
  }
});

test('bad arguments exit with 2 and one line, before connecting', async () => {
  // The URL answers nothing: an attempt to connect would fail with 1, not 2.
  const url = `ws://127.0.0.1:${await closedPort()}`;
  const cases = [
    [[], /no command/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['submit'], /submit needs MODEL/],
    [['submit', MODEL], /submit needs --values V,V,... or --feeds/],
    [['demo', '--feeds', '0,x'], /--feeds takes feed ids, not '0,x'/],
    [['demo', '--feeds', '0', '--values', '1'], /--feeds and --values are two inputs/],
    [['oracle', '--as', 'eve'], /oracle takes no --as/],
    [['subscribe', '--every', '1', '--runs', '1'], /subscribe needs --feeds/],
    [['subscribe', '--feeds', '0', '--runs', '1'], /subscribe needs --every N/],
    [['subscribe', '--feeds', '0', '--every', '0', '--runs', '1'], /--every takes one whole number above zero/],
    [['subscribe', '--feeds', '0', '--every', '1', '--runs', '1', '--model', 'x'], /--model must be/],
    [['unsubscribe', 'x'], /ID must be a subscription number/],
    [['submit', '0x12', '--values', '1'], /MODEL must be/],
    [['submit', MODEL, '--values', '1,x'], /--values takes numbers, not '1,x'/],
    [['demo', '--mode', 'Slow'], /--mode must be Fast, Zk or Consensus:K/],
    [['demo', '--mode', 'Consensus:x'], /--mode must be Fast, Zk or Consensus:K/],
    [['demo', '--bogus'], /Unknown option '--bogus'/],
    [['demo', 'extra'], /unexpected argument 'extra'/],
    [['register'], /register needs FILE/],
    [['register', 'm.onnx', '--output', '1,4'], /register needs --input/],
    [['register', 'm.onnx', '--input', '1,16'], /register needs --output/],
    [['register', 'm.onnx', '--input', '1,x', '--output', '1,4'], /--input takes a shape/],
    [['register', 'm.onnx', '--input', '1,16', '--output', '1,4', '--price', 'abc'], /--price takes one number/],
    [['register', 'm.onnx', '--input', '1,16', '--output', '1,4', '--values', '1'], /register takes no --values/],
    [['set-worker'], /set-worker needs WORKER/],
    [['set-worker', '//W', '--values', '1'], /set-worker takes no --values/],
    [['accept-worker', 'alice'], /accept-worker needs --as WORKER/],
    [['challenge'], /challenge needs JOB/],
    [['challenge', 'x'], /JOB must be a job number, not 'x'/],
    [['challenge', '1', '--mode', 'Fast'], /challenge takes no --mode/],
    [['propose'], /propose needs TRACK/],
    [['propose', 'fellowship', '--params', 'a=1'], /TRACK must be one of root, market, treasurer, small_spender/],
    [['propose', 'market'], /propose needs --params or --call, one of them/],
    [['propose', 'market', '--params', 'a=1', '--call', 'x.y'], /propose needs --params or --call, one of them/],
    [['propose', 'market', '--params', 'executionPeriod'], /--params takes FIELD=VALUE/],
    [['propose', 'market', '--params', 'a=1', '--args', '[]'], /--args goes with --call/],
    [['propose', 'root', '--call', 'remark'], /--call must be PALLET.METHOD/],
    [['propose', 'root', '--call', 'system.remark', '--args', '{'], /--args must be a JSON array/],
    [['propose', 'root', '--call', 'system.remark', '--args', '{}'], /--args must be a JSON array/],
    [['vote', '0'], /vote needs REFERENDUM aye\|nay/],
    [['vote', 'x', 'aye', '--balance', '1'], /REFERENDUM must be a number/],
    [['vote', '0', 'maybe', '--balance', '1'], /a vote is aye or nay, not 'maybe'/],
    [['vote', '0', 'aye'], /vote needs --balance VRT/],
    [['vote', '0', 'aye', '--balance', '0'], /--balance takes one number of VRT above zero/],
    [['vote', '0', 'aye', '--balance', '1', '--conviction', 'Locked7x'], /--conviction must be None or Locked1x/],
    [['referendum', 'x'], /REFERENDUM must be a number/],
    [['referendum', '0', '--as', 'bob'], /referendum takes no --as/],
  ];
  for (const [args, pattern] of cases) {
    const { code, stdout, stderr } = await cli(['--url', url, ...args]);
    assert.equal(code, 2, `${args}: ${stderr}`);
    assert.equal(stdout, '');
    oneLine(stderr, pattern);
    assert.match(stderr, /--help/);
  }
});

test('a node that cannot be reached is one line and exit code 1, promptly', async () => {
  const url = `ws://127.0.0.1:${await closedPort()}`;
  const started = Date.now();
  const { code, stdout, stderr } = await cli(['--url', url, 'submit', MODEL, '--values', '0.5,0.25']);
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  assert.equal(code, 1, stderr);
  assert.equal(stdout, '');
  oneLine(stderr, new RegExp(`cannot connect to ${url}`));
});

test('a file that cannot be read is one line and exit code 1', async () => {
  const { code, stderr } = await cli(['register', '/nonexistent/model.onnx', '--input', '1,16', '--output', '1,4']);
  assert.equal(code, 1, stderr);
  oneLine(stderr, /ENOENT/);
});

test('VERITY_DEBUG=1 adds the stack trace', async () => {
  const url = `ws://127.0.0.1:${await closedPort()}`;
  const { code, stderr } = await cli(['--url', url, 'demo'], { VERITY_DEBUG: '1' });
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: cannot connect/);
  assert.match(stderr, /^\s+at /m);
});
