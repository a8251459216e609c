import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { serve, type ServeProcess, httpOnly } from '../support/serve.ts';

// A path that is not valid percent-encoding is refused before any route, and before the
// token is checked: the answer comes from the catalogue and quotes nothing of the URL, so a
// token put in the query of a mistyped link is not sent back, on either listener.

let dir: string;
let server: ServeProcess;

before(async () => {
  dir = tempDir();
  server = await serve([...httpOnly(dir), '--admin', '127.0.0.1:0']);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a bad percent-encoding in an API path gets PND_INVALID_PATH and no echo of the URL', async () => {
  for (const door of ['http', 'admin'] as const) {
    const answer = await get(server.ports[door]!, '/api/v1/devices/%zz?token=Tok3n-s3cret');
    assert.equal(answer.status, 400, `${door}: ${answer.body}`);
    const body = JSON.parse(answer.body) as { code: string; message: string };
    assert.equal(body.code, 'PND_INVALID_PATH', door);
    assert.doesNotMatch(answer.body, /Tok3n|%zz|devices/, door);
  }
  // The server goes on answering.
  const health = await get(server.ports['http']!, '/healthz');
  assert.equal(health.status, 200);
});
