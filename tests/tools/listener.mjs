// listener.mjs — a small HTTP listener for the webhook tests: appends each
// POST body as one line to OUT and answers STATUS (default 204).  Writes the
// port it listens on to PORTFILE.  usage: node listener.mjs OUT PORTFILE [STATUS]
import { createServer } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';

const [out, portfile, status] = process.argv.slice(2);
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (req.method === 'POST' && req.headers['content-type'] === 'application/json') appendFileSync(out, body + '\n');
    res.writeHead(Number(status ?? 204));
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => writeFileSync(portfile, String(server.address().port)));
