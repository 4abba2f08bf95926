// Checks a CloudFormation template from `reckon connect template` against
// what a least-privilege, read-only CUR role may hold — written from the
// IAM rules, not from reckon's output:
//   node cfn-policy-check.mjs TEMPLATE.json BUCKET PREFIX PRINCIPAL EXTERNAL_ID
// PREFIX "" means the bucket's root. Prints one "FAIL - …" line per
// violation (and "policy ok" when there is none); exit status 1 on any.
import { readFileSync } from 'node:fs';

const [file, bucket, prefix, principal, externalId] = process.argv.slice(2);
if (externalId === undefined) {
  console.error('usage: cfn-policy-check.mjs TEMPLATE BUCKET PREFIX PRINCIPAL EXTERNAL_ID');
  process.exit(2);
}
const fails = [];
const fail = (m) => fails.push(m);
const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

let t;
try {
  t = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log(`FAIL - the template is not JSON: ${e.message}`);
  process.exit(1);
}

const bucketArn = `arn:aws:s3:::${bucket}`;
const objectsArn = prefix ? `arn:aws:s3:::${bucket}/${prefix}/*` : `arn:aws:s3:::${bucket}/*`;
const ALLOWED = { 's3:ListBucket': bucketArn, 's3:GetObject': objectsArn, 's3:GetBucketLocation': bucketArn };

const res = t.Resources || {};
const ids = Object.keys(res);
if (ids.length === 0) fail('no Resources');
const roles = ids.filter((id) => res[id].Type === 'AWS::IAM::Role');
if (roles.length !== 1) fail(`expected exactly one AWS::IAM::Role, found ${roles.length}`);
for (const id of ids)
  if (res[id].Type !== 'AWS::IAM::Role') fail(`resource ${id} is a ${res[id].Type}: only the role may be created`);

for (const id of roles) {
  const p = res[id].Properties || {};
  if (p.ManagedPolicyArns !== undefined) fail(`role ${id} attaches managed policies ${JSON.stringify(p.ManagedPolicyArns)}`);
  for (const k of Object.keys(p))
    if (!['RoleName', 'Description', 'MaxSessionDuration', 'AssumeRolePolicyDocument', 'Policies', 'Path', 'Tags'].includes(k))
      fail(`role ${id} has an unexpected property ${k}`);

  // trust policy
  const trust = list(p.AssumeRolePolicyDocument && p.AssumeRolePolicyDocument.Statement);
  if (trust.length === 0) fail('the trust policy has no statement');
  for (const [i, s] of trust.entries()) {
    if (s.Effect !== 'Allow') continue;
    if (s.NotPrincipal !== undefined || s.NotAction !== undefined) fail(`trust statement ${i} uses NotPrincipal/NotAction`);
    const keys = Object.keys(s.Principal || {});
    if (!same(keys, ['AWS'])) fail(`trust statement ${i}: principal kinds ${JSON.stringify(keys)}, expected only AWS`);
    const pr = list(s.Principal && s.Principal.AWS);
    if (!same(pr, [principal])) fail(`trust statement ${i}: principal ${JSON.stringify(pr)}, expected ${principal}`);
    if (!same(list(s.Action), ['sts:AssumeRole'])) fail(`trust statement ${i}: actions ${JSON.stringify(s.Action)}`);
    const c = s.Condition || {};
    const eq = c.StringEquals || {};
    if (!same(Object.keys(c), ['StringEquals']) || !same(Object.keys(eq), ['sts:ExternalId']))
      fail(`trust statement ${i}: condition ${JSON.stringify(c)}, expected only StringEquals sts:ExternalId`);
    if (!same(list(eq['sts:ExternalId']), [externalId]))
      fail(`trust statement ${i}: sts:ExternalId ${JSON.stringify(eq['sts:ExternalId'])}, expected ${externalId}`);
  }

  // permissions
  const seen = new Set();
  const pols = list(p.Policies);
  if (pols.length === 0) fail(`role ${id} has no inline policy`);
  for (const pol of pols) {
    for (const [i, s] of list(pol.PolicyDocument && pol.PolicyDocument.Statement).entries()) {
      const where = `policy ${pol.PolicyName} statement ${i}`;
      if (s.NotAction !== undefined || s.NotResource !== undefined) fail(`${where} uses NotAction/NotResource`);
      if (s.Effect !== 'Allow') continue;
      const acts = list(s.Action);
      const rs = list(s.Resource);
      if (acts.length === 0 || rs.length === 0) fail(`${where} has no action or no resource`);
      for (const a of acts) {
        if (typeof a !== 'string' || !(a in ALLOWED)) {
          fail(`${where}: action ${JSON.stringify(a)} is not one of ${Object.keys(ALLOWED).join(', ')}`);
          continue;
        }
        seen.add(a);
        for (const r of rs)
          if (r !== ALLOWED[a]) fail(`${where}: ${a} on ${JSON.stringify(r)}, expected only ${ALLOWED[a]}`);
      }
      const cond = s.Condition;
      if (acts.includes('s3:ListBucket')) {
        if (prefix) {
          const like = (cond && cond.StringLike) || {};
          if (!cond || !same(Object.keys(cond), ['StringLike']) || !same(Object.keys(like), ['s3:prefix']))
            fail(`${where}: ListBucket is not limited by a StringLike s3:prefix condition: ${JSON.stringify(cond)}`);
          const ps = list(like['s3:prefix']);
          if (ps.length === 0) fail(`${where}: no s3:prefix value`);
          for (const v of ps)
            if (v !== `${prefix}/*` && v !== prefix) fail(`${where}: s3:prefix ${JSON.stringify(v)} is outside ${prefix}/`);
          if (!ps.includes(`${prefix}/*`)) fail(`${where}: s3:prefix does not allow ${prefix}/*`);
        } else if (cond !== undefined) {
          fail(`${where}: ListBucket of the whole bucket has a condition ${JSON.stringify(cond)}`);
        }
      } else if (cond !== undefined) {
        fail(`${where}: unexpected condition ${JSON.stringify(cond)}`);
      }
    }
  }
  for (const a of Object.keys(ALLOWED)) if (!seen.has(a)) fail(`no statement allows ${a}`);
}

// outputs
const outs = t.Outputs || {};
const arnOut = Object.keys(outs).filter((k) => {
  const g = outs[k].Value && outs[k].Value['Fn::GetAtt'];
  return Array.isArray(g) && g.length === 2 && roles.includes(g[0]) && g[1] === 'Arn';
});
if (arnOut.length !== 1) fail(`expected one output with Fn::GetAtt [ROLE, "Arn"], found ${arnOut.length}`);
if (!Object.values(outs).some((o) => o.Value === externalId)) fail('no output gives the ExternalId');

for (const f of fails) console.log(`FAIL - ${f}`);
if (fails.length) process.exit(1);
console.log('policy ok');
