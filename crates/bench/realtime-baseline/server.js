// The baseline of `tradewind-bench --realtime`: a broadcast server written the way the
// `ws` package's README writes one. WebSocket clients connect on `/`; `POST /publish`
// sends its body text, unchanged, to every open client. It listens on 127.0.0.1 (port
// from the first argument, 0 for any free one), prints `{"port":N}` on stdout once it
// listens, and exits when its standard input closes, so it never outlives the bench.
'use strict';

const http = require('node:http');
const { WebSocketServer } = require('ws');

// A publish body larger than this is refused (the bench sends 256 bytes).
const PUBLISH_BODY_BYTES_MAX = 64 * 1024;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > PUBLISH_BODY_BYTES_MAX) {
      res.writeHead(413).end();
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let sent = 0;
    for (const c of wss.clients) {
      if (c.readyState === 1) {
        c.send(text);
        sent += 1;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ clients: sent }));
  });
});

const wss = new WebSocketServer({ server, path: '/' });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
