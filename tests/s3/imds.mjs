// imds.mjs — the EC2 instance metadata service (IMDSv2) and the ECS/EKS
// container credentials endpoint, as reckon's tests need them.
//
//   IMDS   PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds
//          (1 to 21600, else 400) gives a session token; every GET under
//          /latest/ must carry a valid one in X-aws-ec2-metadata-token, else
//          401 (IMDSv1 is off, as AWS recommends). GET
//          /latest/meta-data/iam/security-credentials/ names the role; GET
//          .../ROLE gives {"Code": "Success", "AccessKeyId", "SecretAccessKey",
//          "Token", "Expiration", ...}; another role is 404.
//   ECS    GET CONFIG.containerPath with Authorization: CONFIG.containerToken
//          gives {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
//          a missing or wrong Authorization is 401 (without echoing it).
// Each credentials answer hands out the next user of CONFIG.users (their
// keys are known to the verifying front, tests/s3/front.mjs), with a fresh
// random Token and an Expiration `lifetime` seconds ahead (whole seconds,
// as AWS writes it), so a test can see renewals and check that every signed
// request fell inside the lifetime of its key.
// Test hooks, under /__imds/: POST set {"lifetime": S, "mode": M} (modes:
// "v2", the default; "notoken": PUT /latest/api/token is 404, as on a
// server without IMDSv2, while GETs still need a token; "norole": no
// instance role, the listing is 404; "hang": every request is accepted and
// never answered), GET log, POST reset (clears the log), GET issued (every
// key, secret and token handed out, for a test's leak check).
//
// Usage: node imds.mjs CONFIG.json PORTFILE
//   CONFIG: {"users": [{"akid": "...", "secret": "..."}], "role": "r",
//            "lifetime": 3600, "containerPath": "/v2/credentials/x",
//            "containerToken": "..."}
// It listens on 127.0.0.1, port 0, and writes {"port": N} to PORTFILE.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

const [configPath, portFile] = process.argv.slice(2);
const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const users = cfg.users || [];
const role = cfg.role || 'reckon-instance';
let lifetime = cfg.lifetime || 3600;
let mode = 'v2';
const tokens = new Map(); // session token -> expiry (ms)
const log = [];
const handedOut = []; // every secret given out, for the tests' leak check (kept across resets)
let next = 0;

function send(res, status, body, type = 'text/plain') {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

function issue(entry) {
  const u = users[next++ % users.length];
  const expires = Math.floor((Date.now() + lifetime * 1000) / 1000) * 1000;
  const token = crypto.randomBytes(90).toString('base64');
  Object.assign(entry, { akid: u.akid, issued: Date.now(), expires });
  handedOut.push({ akid: u.akid, secret: u.secret, token });
  return {
    AccessKeyId: u.akid,
    SecretAccessKey: u.secret,
    Token: token,
    Expiration: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

function imds(req, res, path, entry) {
  if (req.method === 'PUT' && path === '/latest/api/token') {
    entry.kind = 'token';
    if (mode === 'notoken') return send(res, 404, 'Not Found');
    const ttl = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
    entry.ttl = ttl ?? null;
    if (!/^\d+$/.test(ttl || '') || +ttl < 1 || +ttl > 21600) return send(res, 400, 'Bad Request');
    const t = crypto.randomBytes(40).toString('base64');
    tokens.set(t, Date.now() + ttl * 1000);
    return send(res, 200, t);
  }
  if (req.method !== 'GET' || !path.startsWith('/latest/')) return send(res, 405, 'Method Not Allowed');
  const t = req.headers['x-aws-ec2-metadata-token'];
  entry.session = t === undefined ? 'none' : tokens.has(t) && tokens.get(t) > Date.now() ? 'valid' : 'invalid';
  if (entry.session !== 'valid') return send(res, 401, 'Unauthorized');
  const base = '/latest/meta-data/iam/security-credentials/';
  if (path === base) {
    entry.kind = 'role';
    if (mode === 'norole') return send(res, 404, 'Not Found');
    return send(res, 200, role);
  }
  if (path === base + role && mode !== 'norole') {
    entry.kind = 'creds';
    const c = issue(entry);
    const doc = { Code: 'Success', LastUpdated: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), Type: 'AWS-HMAC', ...c };
    return send(res, 200, JSON.stringify(doc, null, 2), 'text/plain');
  }
  return send(res, 404, 'Not Found');
}

function container(req, res, entry) {
  entry.kind = 'container';
  const auth = req.headers['authorization'];
  entry.auth = auth === undefined ? 'missing' : auth === cfg.containerToken ? 'ok' : 'wrong';
  if (entry.auth !== 'ok') {
    const b = JSON.stringify({ code: 'AccessDenied', message: 'the Authorization header is missing or not this task\'s' });
    return send(res, 401, b, 'application/json');
  }
  const c = issue(entry);
  return send(res, 200, JSON.stringify({ ...c, RoleArn: `arn:aws:iam::111122223333:role/${role}` }), 'application/json');
}

const server = http.createServer();
server.on('request', (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = req.url.split('?')[0];
    if (path.startsWith('/__imds/')) {
      if (path === '/__imds/log') return send(res, 200, JSON.stringify(log), 'application/json');
      if (path === '/__imds/issued') return send(res, 200, JSON.stringify(handedOut), 'application/json');
      if (path === '/__imds/reset') log.length = 0;
      if (path === '/__imds/set') {
        const s = JSON.parse(Buffer.concat(chunks).toString() || '{}') || {};
        if (s.lifetime !== undefined) lifetime = s.lifetime;
        if (s.mode !== undefined) mode = s.mode;
      }
      return send(res, 200, '{"ok":true}', 'application/json');
    }
    const entry = { i: log.length, t: Date.now(), method: req.method, path };
    log.push(entry);
    if (mode === 'hang') {
      entry.status = 'hang';
      return; // the client's timeout ends it
    }
    entry.status = path === cfg.containerPath ? container(req, res, entry) : imds(req, res, path, entry);
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', JSON.stringify({ port: server.address().port }));
  fs.renameSync(portFile + '.tmp', portFile);
});
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
