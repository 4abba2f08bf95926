// front.mjs — a strict S3 and STS peer for reckon's tests.
//
// s3rver (a real S3 implementation, run in this process) does not check
// signatures, so every request comes through this front first:
//   - its SigV4 signature is recomputed with AWS's own JavaScript signer
//     (@smithy/signature-v4 with @aws-crypto/sha256-js) from the request as
//     it arrived; any difference is refused with S3's SignatureDoesNotMatch;
//   - x-amz-content-sha256 must be the body's hash (or UNSIGNED-PAYLOAD),
//     every x-amz-* header must be signed, x-amz-date must be within 15
//     minutes, temporary credentials must be current (ExpiredToken);
//   - it answers STS AssumeRole (trust and ExternalId checked, temporary
//     credentials issued and accepted afterwards) and GetCallerIdentity;
//   - it does what S3 does and s3rver does not: If-Match on GET/HEAD (412)
//     and encoding-type=url in ListObjectsV2 (keys URL-encoded, space as +).
// Test hooks, unsigned, under /__front/: faults (500, 503 SlowDown, a
// connection dropped mid-object (and the object rewritten meanwhile), a
// stall, a delay), tampering with the next request before it is verified,
// a role's ExternalId (/__front/role), the lifetime of the credentials STS
// issues, and the request log.
//
// Usage: node --openssl-legacy-provider front.mjs CONFIG.json PORTFILE
// (s3rver's paged listings need the legacy provider). CONFIG:
//   {"dir": "...", "buckets": ["demo"], "account": "111122223333",
//    "users": [{"akid": "...", "secret": "...", "name": "ci"}],
//    "roles": [{"name": "reckon-read", "externalId": "x", "trust": ["ci"]}],
//    "stsLifetimeSeconds": 3600, "bucketRegions": {"eu": "eu-west-1"}}
// A bucket of bucketRegions lives in that region, as S3 tells it: a request
// signed for another region gets 400 AuthorizationHeaderMalformed naming the
// right one (x-amz-bucket-region), and GetBucketLocation answers it.
// It listens on 127.0.0.1, port 0, and writes {"port": N} to PORTFILE.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

// The packages live in tests/node (pinned by its package-lock.json).
const require = createRequire(new URL('../node/package.json', import.meta.url));
const { Sha256 } = require('@aws-crypto/sha256-js');
const { SignatureV4 } = require('@smithy/signature-v4');
const S3rver = require('s3rver');

const [configPath, portFile] = process.argv.slice(2);
const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const account = cfg.account || '111122223333';
let lifetime = cfg.stsLifetimeSeconds || 3600;
const bucketRegions = cfg.bucketRegions || {};

// akid -> {secret, arn, token?, expires?}
const keys = new Map();
for (const u of cfg.users || [])
  keys.set(u.akid, { secret: u.secret, arn: `arn:aws:iam::${account}:user/${u.name}`, userId: u.akid });
const roles = new Map();
for (const r of cfg.roles || []) roles.set(`arn:aws:iam::${account}:role/${r.name}`, r);

let faults = [];
let tamper = [];
const log = [];

const s3rver = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory: cfg.dir,
  configureBuckets: (cfg.buckets || []).map((name) => ({ name })),
});
const upstream = await s3rver.run();

// ---- answers ----

function reqId() {
  return crypto.randomBytes(8).toString('hex').toUpperCase();
}

function xmlEscape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function s3Error(res, status, code, message, extra = '') {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `${extra}<RequestId>${reqId()}</RequestId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

function stsError(res, status, code, message) {
  const body =
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>${reqId()}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

// ---- verification ----

function parseQuery(raw) {
  const q = {};
  if (!raw) return q;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (k in q) q[k] = [].concat(q[k], v);
    else q[k] = v;
  }
  return q;
}

function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// Returns null when the request is properly signed, else [status, code, message].
async function verify(req, rawPath, rawQuery, body) {
  const auth = req.headers['authorization'];
  if (!auth) return [403, 'AccessDenied', 'Anonymous access is not allowed here'];
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
    auth,
  );
  if (!m) return [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed'];
  const [, akid, day, region, service, signedList, signature] = m;
  const who = keys.get(akid);
  if (!who)
    return [403, service === 'sts' ? 'InvalidClientTokenId' : 'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.'];
  const date = parseAmzDate(req.headers['x-amz-date']);
  if (!date) return [403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header'];
  if (Math.abs(date.getTime() - Date.now()) > 15 * 60 * 1000)
    return [403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'];
  if (req.headers['x-amz-date'].slice(0, 8) !== day)
    return [403, 'SignatureDoesNotMatch', 'The credential date does not match x-amz-date'];
  const signed = signedList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date'))
    return [403, 'AccessDenied', 'host and x-amz-date must be signed'];
  for (const h of Object.keys(req.headers))
    if (h.startsWith('x-amz-') && !signed.includes(h))
      return [403, 'AccessDenied', `There were headers present in the request which were not signed: ${h}`];
  if (who.token) {
    if (req.headers['x-amz-security-token'] !== who.token)
      return [403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.'];
    if (Date.now() >= who.expires) return [400, 'ExpiredToken', 'The provided token has expired.'];
  }
  const sha = req.headers['x-amz-content-sha256'];
  if (service === 's3' && !sha) return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
  if (sha && sha !== 'UNSIGNED-PAYLOAD' && sha !== crypto.createHash('sha256').update(body).digest('hex'))
    return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];

  const headers = {};
  for (const h of signed) {
    if (req.headers[h] === undefined) return [403, 'SignatureDoesNotMatch', `signed header ${h} is missing`];
    headers[h] = Array.isArray(req.headers[h]) ? req.headers[h].join(',') : req.headers[h];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: akid, secretAccessKey: who.secret, sessionToken: who.token },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: false,
  });
  const out = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: '', path: rawPath, query: parseQuery(rawQuery), headers, body },
    { signingDate: date, signableHeaders: new Set(signed) },
  );
  const mine = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(out.headers.authorization);
  if (!mine || mine[1] !== signedList || mine[2] !== signature)
    return [403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  return null;
}

// ---- STS ----

function randomKey(prefix, n) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let s = prefix;
  for (const b of crypto.randomBytes(n)) s += abc[b % 32];
  return s;
}

function sts(req, res, params, caller, entry) {
  const action = params.Action;
  if (action === 'GetCallerIdentity') {
    const body =
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
      `<Arn>${xmlEscape(caller.arn)}</Arn><UserId>${xmlEscape(caller.userId)}</UserId><Account>${account}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${reqId()}</RequestId></ResponseMetadata>` +
      `</GetCallerIdentityResponse>`;
    res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return 200;
  }
  if (action !== 'AssumeRole') return stsError(res, 400, 'InvalidAction', `Could not find operation ${action}`);
  const arn = params.RoleArn;
  const role = roles.get(arn);
  entry.roleArn = arn;
  entry.externalId = params.ExternalId ?? null;
  const denied = () =>
    stsError(res, 403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
  if (!role) return denied();
  const callerName = caller.arn.split('/').slice(1).join('/');
  if (!(role.trust || []).some((t) => t === '*' || t === callerName || t === caller.arn)) return denied();
  if ((role.externalId ?? null) !== (params.ExternalId ?? null)) return denied();
  const session = params.RoleSessionName || '';
  if (!/^[\w+=,.@-]{2,64}$/.test(session))
    return stsError(res, 400, 'ValidationError', 'RoleSessionName must satisfy the pattern [\\w+=,.@-]{2,64}');
  const dur = params.DurationSeconds ? Number(params.DurationSeconds) : 3600;
  if (!(dur >= 900 && dur <= 43200))
    return stsError(res, 400, 'ValidationError', 'DurationSeconds must be between 900 and 43200');
  const akid = randomKey('ASIA', 16);
  const secret = crypto.randomBytes(30).toString('base64');
  const token = crypto.randomBytes(120).toString('base64');
  const expires = Date.now() + Math.min(dur, lifetime) * 1000;
  const assumed = `arn:aws:sts::${account}:assumed-role/${role.name}/${session}`;
  keys.set(akid, { secret, token, expires, arn: assumed, userId: `AROA${akid.slice(4)}:${session}` });
  entry.issued = akid;
  const body =
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
    `<AssumedRoleUser><Arn>${xmlEscape(assumed)}</Arn><AssumedRoleId>AROA${akid.slice(4)}:${xmlEscape(session)}` +
    `</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>${akid}</AccessKeyId>` +
    `<SecretAccessKey>${secret}</SecretAccessKey><SessionToken>${token}</SessionToken>` +
    `<Expiration>${new Date(expires).toISOString()}</Expiration></Credentials></AssumeRoleResult>` +
    `<ResponseMetadata><RequestId>${reqId()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return 200;
}

// ---- S3 (forwarded to s3rver) ----

// S3's encoding-type=url: like encodeURIComponent, a space as '+'.
function s3UrlEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
}

function xmlUnescape(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function encodeListing(xml) {
  xml = xml.replace(/<(Key|Prefix|StartAfter|Delimiter)>([^<]*)<\/\1>/g, (m, tag, v) => `<${tag}>${s3UrlEncode(xmlUnescape(v))}</${tag}>`);
  return xml.replace('</ListBucketResult>', '<EncodingType>url</EncodingType></ListBucketResult>');
}

function takeFault(req, key, service) {
  for (const f of faults) {
    if (f.times === 0) continue;
    if (f.method && f.method !== req.method) continue;
    if (f.service && f.service !== service) continue;
    if (f.key !== undefined && !key.includes(f.key)) continue;
    if (f.list !== undefined && f.list !== (key.indexOf('/', 1) < 0 && req.method === 'GET')) continue;
    if (f.times > 0) f.times--;
    return f;
  }
  return null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function putUpstream(rawPath, text) {
  return new Promise((resolve) => {
    const r = http.request(
      { host: '127.0.0.1', port: upstream.port, method: 'PUT', path: rawPath, headers: { 'content-length': Buffer.byteLength(text) } },
      (ur) => ur.resume().on('end', resolve),
    );
    r.on('error', resolve);
    r.end(text);
  });
}

function headUpstream(rawPath) {
  return new Promise((resolve) => {
    const r = http.request({ host: '127.0.0.1', port: upstream.port, method: 'HEAD', path: rawPath }, (ur) => {
      ur.resume();
      resolve(ur.statusCode === 200 ? ur.headers['etag'] : null);
    });
    r.on('error', () => resolve(null));
    r.end();
  });
}

async function forward(req, res, rawPath, rawQuery, body, fault, entry) {
  // S3 checks If-Match before anything else (a Range included): RFC 9110 13.2.2
  const ifMatch = req.headers['if-match'];
  if (ifMatch && (req.method === 'GET' || req.method === 'HEAD')) {
    const etag = await headUpstream(rawPath);
    if (etag && etag !== ifMatch) {
      entry.status = s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-Match</Condition>');
      return;
    }
  }
  return forwardNow(req, res, rawPath, rawQuery, body, fault, entry);
}

function forwardNow(req, res, rawPath, rawQuery, body, fault, entry) {
  return new Promise((resolve) => {
    const headers = { ...req.headers, host: `127.0.0.1:${upstream.port}` };
    for (const h of ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']) delete headers[h];
    const q = parseQuery(rawQuery);
    const ifMatch = req.headers['if-match'];
    delete headers['if-match'];
    const listing = req.method === 'GET' && q['list-type'] === '2' && q['encoding-type'] === 'url';
    const up = http.request(
      { host: '127.0.0.1', port: upstream.port, method: req.method, path: rawPath + (rawQuery ? '?' + rawQuery : ''), headers },
      async (ur) => {
        const etag = ur.headers['etag'];
        if (ifMatch && (ur.statusCode === 200 || ur.statusCode === 206) && etag !== ifMatch) {
          ur.resume();
          entry.status = s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-Match</Condition>');
          return resolve();
        }
        if (listing && ur.statusCode === 200) {
          const chunks = [];
          for await (const c of ur) chunks.push(c);
          const out = Buffer.from(encodeListing(Buffer.concat(chunks).toString('utf8')));
          res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': out.length });
          res.end(out);
          entry.status = 200;
          entry.bytes = out.length;
          return resolve();
        }
        entry.status = ur.statusCode;
        res.writeHead(ur.statusCode, ur.headers);
        let sent = 0;
        const cut = fault && (fault.action === 'drop' || fault.action === 'stall') ? fault.after || 0 : -1;
        if (cut >= 0) {
          ur.pause();
          for await (const c of ur) {
            const take = Math.min(c.length, cut - sent);
            // wait until the bytes are with the kernel: the client gets exactly `cut`
            if (take > 0) await new Promise((r) => res.write(c.subarray(0, take), r));
            sent += take;
            if (sent >= cut) break;
          }
          entry.bytes = sent;
          await sleep(50);
          if (fault.action === 'stall') await sleep((fault.seconds || 5) * 1000);
          res.socket?.destroy();
          ur.destroy();
          // the object is rewritten while the client is away (a new delivery)
          if (fault.overwrite !== undefined) await putUpstream(rawPath, fault.overwrite);
          return resolve();
        }
        ur.on('data', (c) => {
          sent += c.length;
          res.write(c);
        });
        ur.on('end', () => {
          entry.bytes = sent;
          res.end();
          resolve();
        });
        ur.on('error', () => {
          res.socket?.destroy();
          resolve();
        });
      },
    );
    up.on('error', (e) => {
      entry.status = s3Error(res, 500, 'InternalError', `upstream: ${e.message}`);
      resolve();
    });
    up.end(body);
  });
}

function applyTamper(req, rawPath, rawQuery, body) {
  const t = tamper.find((x) => x.times !== 0);
  if (!t) return [rawPath, rawQuery, body, null];
  if (t.times > 0) t.times--;
  if (t.kind === 'header') req.headers[t.name.toLowerCase()] = t.value;
  else if (t.kind === 'query') rawQuery = rawQuery ? `${rawQuery}&${t.value}` : t.value;
  else if (t.kind === 'path') rawPath = rawPath + t.value;
  else if (t.kind === 'body') body = Buffer.concat([body, Buffer.from(t.value)]);
  return [rawPath, rawQuery, body, t.kind];
}

// ---- the server ----

function control(req, res, path, body) {
  const json = (o) => {
    const b = JSON.stringify(o);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (path === '/__front/faults') faults = JSON.parse(body.toString() || '[]');
  else if (path === '/__front/tamper') tamper = JSON.parse(body.toString() || '[]');
  else if (path === '/__front/sts') lifetime = JSON.parse(body.toString()).lifetime;
  else if (path === '/__front/role') {
    // {"name": "reckon-read", "externalId": "new"}: the account owner edits
    // the role's trust policy.
    const r = JSON.parse(body.toString());
    const role = roles.get(`arn:aws:iam::${account}:role/${r.name}`);
    if (role) role.externalId = r.externalId;
  }
  else if (path === '/__front/reset') {
    faults = [];
    tamper = [];
    log.length = 0;
  } else if (path === '/__front/log') return json(log);
  return json({ ok: true });
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = Buffer.concat(chunks);
  const url = req.url;
  const qm = url.indexOf('?');
  let rawPath = qm < 0 ? url : url.slice(0, qm);
  let rawQuery = qm < 0 ? '' : url.slice(qm + 1);
  if (rawPath.startsWith('/__front/')) return control(req, res, rawPath, body);
  let tampered;
  [rawPath, rawQuery, body, tampered] = applyTamper(req, rawPath, rawQuery, body);
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers['authorization'] || '');
  const service = scope ? scope[1] : 's3';
  let key;
  try {
    key = decodeURIComponent(rawPath);
  } catch {
    key = rawPath;
  }
  const entry = {
    i: log.length, t: Date.now(), method: req.method, path: key, query: rawQuery, service,
    akid: (/Credential=([^/]+)\//.exec(req.headers['authorization'] || '') || [])[1] || null,
    range: req.headers['range'] || null, ifMatch: req.headers['if-match'] || null, tampered,
    ua: req.headers['user-agent'] || null,
  };
  log.push(entry);
  let bad;
  try {
    bad = await verify(req, rawPath, rawQuery, body);
  } catch (e) {
    bad = [400, 'InvalidRequest', `cannot verify: ${e.message}`];
  }
  if (bad) {
    entry.status = service === 'sts' ? stsError(res, ...bad) : s3Error(res, ...bad);
    entry.error = bad[1];
    return;
  }
  const caller = keys.get(entry.akid);
  if (service === 'sts') {
    const params = { ...parseQuery(rawQuery), ...(req.method === 'POST' ? parseQuery(body.toString().replace(/\+/g, '%20')) : {}) };
    entry.action = params.Action;
    entry.status = sts(req, res, params, caller, entry);
    return;
  }
  const bucket = key.split('/')[1] || '';
  const home = bucketRegions[bucket];
  entry.region = (/Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers['authorization']) || [])[1];
  if (home && req.method === 'GET' && /^location=?$/.test(rawQuery)) {
    const b = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${home}</LocationConstraint>`;
    res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(b) });
    res.end(b);
    entry.status = 200;
    return;
  }
  if (home && entry.region !== home) {
    res.setHeader('x-amz-bucket-region', home);
    if (req.method === 'HEAD') {
      res.writeHead(400);
      res.end();
      entry.status = 400;
    } else {
      entry.status = s3Error(res, 400, 'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region '${entry.region}' is wrong; expecting '${home}'`,
        `<Region>${home}</Region>`);
    }
    entry.error = 'AuthorizationHeaderMalformed';
    return;
  }
  const fault = takeFault(req, key, service);
  if (fault) entry.fault = fault.action;
  if (fault && fault.action === 'status') {
    entry.status = s3Error(res, fault.status, fault.code || 'InternalError', fault.message || 'We encountered an internal error. Please try again.');
    return;
  }
  if (fault && fault.action === 'hang') {
    await sleep((fault.seconds || 5) * 1000);
    res.socket?.destroy();
    return;
  }
  if (fault && fault.action === 'delay') await sleep((fault.seconds || 1) * 1000);
  await forward(req, res, rawPath, rawQuery, body, fault, entry);
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', JSON.stringify({ port: server.address().port, upstream: upstream.port }));
  fs.renameSync(portFile + '.tmp', portFile);
});
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, async () => {
    server.close();
    await s3rver.close();
    process.exit(0);
  });
