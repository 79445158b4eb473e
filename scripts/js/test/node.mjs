// Starts a real `verity-node --dev --worker --sealing instant` on free ports for a test and stops
// it afterwards (`{ sealing: 'aura' }`: Aura slots of 6 s with GRANDPA finality instead). The
// binary is $VERITY_NODE, or the debug build in $CARGO_TARGET_DIR (default ~/.cache/verity-target).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';

export function nodeBinary() {
  if (process.env.VERITY_NODE) return process.env.VERITY_NODE;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'verity-target');
  return join(target, 'debug', 'verity-node');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts a dev node; resolves `{ url, stop, log, base, pid }` once its RPC answers. `extra` are
 * more arguments; `sealing` is the node's `--sealing` (`instant`, `aura` or `manual`);
 * `detached` puts it in a process group of its own, out of reach of the terminal's Ctrl-C.
 */
export async function startDevNode(extra = [], { sealing = 'instant', detached = false } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'verity-js-'));
  const [rpc, p2p, prometheus] = [await freePort(), await freePort(), await freePort()];
  const log = join(base, 'node.log');
  const out = openSync(log, 'w');
  const child = spawn(nodeBinary(), [
    '--dev', '--worker', '--sealing', sealing, '--base-path', join(base, 'chain'),
    '--rpc-port', String(rpc), '--port', String(p2p), '--prometheus-port', String(prometheus),
    '--no-telemetry', '--no-mdns', ...extra,
  ], { stdio: ['ignore', out, out], detached });
  let spawnError = null; // no binary there, say
  child.on('error', (error) => { spawnError = error; });
  const url = `ws://127.0.0.1:${rpc}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${nodeBinary()}: ${spawnError.message} (build it, or set VERITY_NODE)`);
    if (child.exitCode !== null) throw new Error(`verity-node exited with ${child.exitCode}; see ${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${rpc}`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
      });
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`verity-node did not answer; see ${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async (keepLog = false) => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    if (!keepLog) rmSync(base, { recursive: true, force: true });
  };
  return { url, stop, log, base, pid: child.pid };
}
