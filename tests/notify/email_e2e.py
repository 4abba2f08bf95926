#!/usr/bin/python3
"""End to end: reckon's emails through a real SMTP server (aiosmtpd).

Usage: /usr/bin/python3 email_e2e.py RECKON

Every message is read back from what the server stored and parsed with
Python's own `email` package (an independent MIME parser). Figures in the
"dashboards are ready" email are compared with `reckon report cost` (CSV,
exact) rounded here with Decimal; the failure email with `reckon status`.
Failure cases (wrong password, server down, a stalled server, no STARTTLS,
an untrusted certificate, 4xx replies) check the exit status, the error
sentence, what the server saw and how long reckon took. No secret (the SMTP
password, a wrong password, an AWS-like secret in the environment) may
appear in any message, stdout or stderr.
"""

import csv
import email
import email.policy
import email.utils
import io
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_lab import Lab, free_closed_port  # noqa: E402

RECKON = os.path.abspath(sys.argv[1])
# aiosmtpd logs every session and warns about the deliberately weak servers.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
logging.getLogger("asyncio").setLevel(logging.CRITICAL)
warnings.simplefilter("ignore")
T = tempfile.mkdtemp(prefix="rk-email-")
WS = os.path.join(T, "ws")
SMTP_USER = "reckon@example.com"
SMTP_PASSWORD = "pw-" + secrets.token_hex(12)
WRONG_PASSWORD = "wrong-" + secrets.token_hex(12)
AWS_SECRET = "AwsSecret" + secrets.token_hex(16)
SECRETS = [SMTP_PASSWORD, WRONG_PASSWORD, AWS_SECRET]

FAILS = 0
OUTPUTS = []  # every stdout and stderr of reckon


def ok(msg):
    print("ok - " + msg)


def bad(msg):
    global FAILS
    FAILS += 1
    print("FAIL - " + msg)


def check(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        bad(msg + ((": " + detail) if detail else ""))


def check_eq(got, want, msg):
    check(got == want, msg, "expected %r, got %r" % (want, got))


BASE_ENV = {k: v for k, v in os.environ.items() if k != "RECKON_SMTP_PASSWORD"}
BASE_ENV["AWS_SECRET_ACCESS_KEY"] = AWS_SECRET


def rk(*args, stdin=None, env=None, data=WS, quiet=True):
    e = dict(BASE_ENV)
    e.update(env or {})
    cmd = [RECKON] + (["--quiet"] if quiet else []) + (["--data", data] if data else []) + list(args)
    t0 = time.monotonic()
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=e, timeout=120)
    p.seconds = time.monotonic() - t0
    OUTPUTS.append((" ".join(args), p.stdout + p.stderr))
    return p


def cents(d, currency="USD"):
    q = Decimal(d).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    neg = q < 0
    s = "{:,.2f}".format(abs(q))
    if currency == "USD":
        return ("-$" if neg else "$") + s
    return ("-" if neg else "") + s + " " + currency


def report_csv(*args):
    p = rk("report", "cost", "--format", "csv", *args)
    assert p.returncode == 0, p.stderr
    return list(csv.DictReader(io.StringIO(p.stdout)))


def parse(path):
    with open(path, "rb") as f:
        raw = f.read()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def envelope(path):
    with open(path[:-4] + ".json") as f:
        return json.load(f)


class Tables(HTMLParser):
    """The cells of every <table> in an HTML part."""

    def __init__(self):
        super().__init__()
        self.tables, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def text_section(text, title):
    """The indented lines under a heading of the plain text part."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        if line.startswith(title):
            for l2 in lines[i + 1:]:
                if not l2.startswith("  "):
                    break
                out.append(l2)
            break
    return out


def mime_checks(raw, msg, what):
    """Structure every reckon email must have."""
    lines = raw.split(b"\r\n")
    check(raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), what + ": CRLF line ends only")
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    check(all(len(h) <= 78 for h in head), what + ": header lines fold at 78 columns",
          repr([h for h in head if len(h) > 78]))
    check(all(len(l) <= 76 for l in lines[len(head):]), what + ": body lines at most 76 characters (quoted-printable)")
    check(all(b < 128 for b in raw), what + ": the message is 7-bit ASCII on the wire")
    for h in ("Date", "Message-ID", "From", "To", "Subject", "MIME-Version"):
        check(msg[h] is not None, what + ": has a " + h + " header")
    try:
        d = email.utils.parsedate_to_datetime(msg["Date"])
        check(abs(d.timestamp() - time.time()) < 300, what + ": Date is now (RFC 5322 form)")
    except Exception as e:  # noqa: BLE001
        bad(what + ": Date parses: %s" % e)
    check(re.fullmatch(r"<[0-9a-f]{24}\.\d+@example\.com>", str(msg["Message-ID"])) is not None,
          what + ": Message-ID is <random.time@sender-domain>", str(msg["Message-ID"]))
    check_eq(str(msg["MIME-Version"]), "1.0", what + ": MIME-Version 1.0")
    check_eq(msg.get_content_type(), "multipart/alternative", what + ": multipart/alternative")
    parts = list(msg.iter_parts())
    check_eq([p.get_content_type() for p in parts], ["text/plain", "text/html"], what + ": a text and an HTML part")
    check(all(p.get_content_charset() == "utf-8" for p in parts), what + ": both parts UTF-8")
    check(all(p["Content-Transfer-Encoding"] == "quoted-printable" for p in parts), what + ": both parts quoted-printable")
    # CRLF is the canonical line end on the wire; compare text with "\n".
    return tuple(p.get_content().replace("\r\n", "\n") for p in parts)


def main():
    lab = Lab(T)
    t_start = time.monotonic()
    tls = lab.start("starttls", password=SMTP_PASSWORD)

    # ---- the workspace ----
    gen = os.path.join(T, "gen")
    p = rk("generate", gen, "--scale", "0.02", "--months", "3", data=None)
    assert p.returncode == 0, p.stderr
    p = rk("ingest", gen)
    assert p.returncode == 0, p.stderr

    # ---- settings ----
    for k, v in [("smtp.url", tls.url), ("smtp.user", SMTP_USER), ("smtp.cafile", lab.cert),
                 ("smtp.from", "Réckon Notifier <reckon@example.com>"), ("smtp.timeout", "5")]:
        p = rk("config", "set", k, v)
        check_eq(p.returncode, 0, "config set " + k)
    p = rk("config", "set", "smtp.password", "-", stdin=SMTP_PASSWORD + "\n")
    check_eq(p.returncode, 0, "config set smtp.password - (from stdin)")
    p = rk("config", "list")
    check("(set, from file " in p.stdout and SMTP_PASSWORD not in p.stdout, "config list shows where the password is, not it")

    # ---- a test email; lines starting with "." survive (curl dot-stuffs, the server unstuffs) ----
    note = "first line\n.\n..two dots\n.hidden file\nlast line"
    p = rk("notify", "test", "--to", "ops@example.com", "--message", note)
    check_eq(p.returncode, 0, "notify test exits 0" + (": " + p.stderr if p.returncode else ""))
    check_eq(len(tls.messages), 1, "the server got one message")
    raw, msg = parse(tls.messages[-1])
    text, html = mime_checks(raw, msg, "test email")
    check_eq(str(msg["Subject"]), "reckon: test email", "test email: subject")
    check_eq(msg["From"].addresses[0].display_name, "Réckon Notifier", "From: non-ASCII display name (RFC 2047)")
    check_eq(msg["From"].addresses[0].addr_spec, "reckon@example.com", "From: address")
    check(b"=?UTF-8?B?" in raw.split(b"\r\n\r\n", 1)[0], "From is RFC 2047 encoded on the wire")
    body_lines = text.split("\n")
    check(all(x in body_lines for x in [".", "..two dots", ".hidden file"]), "lines starting with dots arrive intact",
          repr(body_lines))
    check("last line" in body_lines, "nothing after a lone dot line was cut")
    env = envelope(tls.messages[-1])
    check_eq(env["rcpt_tos"], ["ops@example.com"], "envelope recipient")
    check_eq(env["mail_from"], "reckon@example.com", "envelope sender")
    check(env["tls"], "sent after STARTTLS")
    check(tls.auth_tries and all(t[2] for t in tls.auth_tries), "AUTH only inside TLS")
    check_eq(tls.auth_ok, ["PLAIN"], "AUTH PLAIN with the password from the 0600 file")

    # ---- "your dashboards are ready" ----
    conn = 'Acme <prod> & "co" — ü'
    p = rk("notify", "ready", "--to", "ops@example.com,Finance Team <fin@example.com>", "--connection", conn)
    check_eq(p.returncode, 0, "notify ready exits 0" + (": " + p.stderr if p.returncode else ""))
    raw, msg = parse(tls.messages[-1])
    text, html = mime_checks(raw, msg, "ready email")
    check_eq(str(msg["Subject"]), "reckon: your dashboards are ready — " + conn, "ready: subject (RFC 2047 round trip)")
    check_eq(sorted(envelope(tls.messages[-1])["rcpt_tos"]), ["fin@example.com", "ops@example.com"],
             "ready: both recipients in the envelope")
    check_eq([a.display_name for a in msg["To"].addresses], ["", "Finance Team"], "ready: To keeps the display name")

    monthly = report_csv("--granularity", "monthly", "--metric", "unblended,amortized")
    want = [[r["start"], cents(r["unblended"]), cents(r["amortized"])] for r in monthly]
    want.append(["Total", cents(sum(Decimal(r["unblended"]) for r in monthly)),
                 cents(sum(Decimal(r["amortized"]) for r in monthly))])
    got = [l.split() for l in text_section(text, "Spend per month") if re.match(r"\s+(\d{4}-\d\d|Total)\s", l)]
    check_eq(got, want, "ready: spend per month (text) = reckon report cost, rounded to cents")
    check_eq(len(monthly), 3, "ready: three months")

    svc = report_csv("--group-by", "service", "--metric", "amortized,unblended")
    svc.sort(key=lambda r: (-Decimal(r["amortized"]), r["service"]))
    want_svc = [[r["service"], cents(r["amortized"]), cents(r["unblended"])] for r in svc[:5]]
    got_svc = []
    for l in text_section(text, "Top services"):
        m = re.match(r"\s+(.+?)\s+(-?\$[\d,]+\.\d\d)\s+(-?\$[\d,]+\.\d\d)$", l)
        if m:
            got_svc.append([m.group(1), m.group(2), m.group(3)])
    check_eq(got_svc, want_svc, "ready: top 5 services = reckon report cost --group-by service")

    def distinct(col):
        return len([r for r in report_csv("--group-by", "column:" + col) if r["column:" + col]])

    ris, sps = distinct("reservation_reservation_a_r_n"), distinct("savings_plan_savings_plan_a_r_n")
    check(ris > 0 and sps > 0, "the demo data has RIs and SPs (%d, %d)" % (ris, sps))
    check(re.search(r"Reserved Instances: %d\n" % ris, text) is not None, "ready: RI count = distinct reservation ARNs")
    check(re.search(r"Savings Plans:\s+%d\n" % sps, text) is not None, "ready: SP count = distinct savings plan ARNs")

    st = json.loads(rk("status", "--format", "json").stdout)
    want_periods = [[p["period"], p["candidates"][0]["report"], "{:,}".format(p["candidates"][0]["rows"])]
                    for p in st["periods"]]
    got_periods = [l.split() for l in text_section(text, "Billing periods processed") if re.match(r"\s+\d{4}-\d\d\s", l)]
    check_eq(got_periods, want_periods, "ready: periods processed = reckon status (period, report, rows)")
    check("Billing periods processed: 3 (%s to %s)" % (want_periods[0][0], want_periods[-1][0]) in text,
          "ready: period range")
    check("report cost --granularity monthly" in text and os.path.realpath(WS) in text, "ready: says where to look")

    tabs = Tables()
    tabs.feed(html)
    check_eq([r for r in tabs.tables[1][1:]], want, "ready: spend per month (HTML table) = the same figures")
    check_eq([r for r in tabs.tables[2][1:6]], want_svc, "ready: top services (HTML table) = the same figures")
    check("Acme &lt;prod&gt; &amp; &quot;co&quot;" in html and "<prod>" not in html, "ready: HTML escapes the connection name")
    check("Reserved Instances: <b>%d</b>" % ris in html, "ready: RI count in HTML")

    # ---- recipients of a connection ----
    p = rk("notify", "recipients", "prod", "--set", "a@example.com,B <b@example.com>")
    check_eq(p.returncode, 0, "notify recipients --set")
    p = rk("notify", "recipients", "prod")
    check_eq(p.stdout.split("\n")[:2], ["a@example.com", "B <b@example.com>"], "recipients are kept in order")
    p = rk("notify", "recipients", "prod", "--set", "not-an-address")
    check(p.returncode == 2 and "has no @" in p.stderr, "a bad recipient is refused with the reason")
    n0 = len(tls.messages)
    p = rk("notify", "ready", "--connection", "prod")
    check(p.returncode == 0 and len(tls.messages) == n0 + 1, "ready goes to the connection's recipients")
    check_eq(sorted(envelope(tls.messages[-1])["rcpt_tos"]), ["a@example.com", "b@example.com"],
             "the connection's recipients in the envelope")
    p = rk("notify", "ready", "--connection", "nobody")
    check(p.returncode == 2 and "has no email recipients" in p.stderr, "a connection without recipients: clear error")

    # ---- "sync failed": failures recorded in the catalog by a real ingest ----
    ws2, b2 = os.path.join(T, "ws2"), os.path.join(T, "b2")
    write_cur(os.path.join(b2, "data", "jan.csv"), "2025-01", ["1.00", "2.00"])
    write_cur(os.path.join(b2, "leak", AWS_SECRET + ".csv"), "2025-02", ["5.00"])
    p = rk("ingest", b2, data=ws2)
    check_eq(p.returncode, 0, "failure setup: first ingest")
    write_cur(os.path.join(b2, "data", "jan.csv"), "2025-01", ["1.00", "abc"])
    write_cur(os.path.join(b2, "leak", AWS_SECRET + ".csv"), "2025-02", ["5.00", "x"])
    p = rk("ingest", b2, data=ws2)
    check_eq(p.returncode, 1, "failure setup: second ingest fails two periods")
    for k, v in [("smtp.url", tls.url), ("smtp.user", SMTP_USER), ("smtp.cafile", lab.cert)]:
        rk("config", "set", k, v, data=ws2)
    rk("config", "set", "smtp.password", "-", stdin=SMTP_PASSWORD, data=ws2)
    p = rk("notify", "failed", "--to", "ops@example.com", data=ws2)
    check_eq(p.returncode, 0, "notify failed exits 0" + (": " + p.stderr if p.returncode else ""))
    raw, msg = parse(tls.messages[-1])
    text, html = mime_checks(raw, msg, "failure email")
    check_eq(str(msg["Subject"]), "reckon: processing failed", "failure: subject")
    problems = json.loads(rk("status", "--format", "json", data=ws2).stdout)
    jan = 'file data/jan.csv: line 3, column 18 (lineItem/UnblendedCost): "abc" is not a number'
    check("Billing period 2025-01" in text and jan in text, "failure: names the period, the file and the error", text)
    check(any(jan in p.get("message", "") for p in problems["problems"]), "failure: the same sentence `reckon status` shows",
          json.dumps(problems["problems"])[:600])
    check("Billing period 2025-02" in text and "leak/[redacted].csv" in text, "failure: a secret in a path is redacted")
    check("What to do" in text and "status" in text and ("ingest " + b2) in text, "failure: says what to do")
    check("keeps its previous data" in text, "failure: says the previous data is kept")
    check('(lineItem/UnblendedCost): &quot;abc&quot; is not a number' in html, "failure: HTML escapes the error")
    p = rk("notify", "failed", "--to", "ops@example.com")
    check(p.returncode == 1 and "nothing to report" in p.stderr, "no failure recorded: exit 1, nothing sent")

    # ---- failure cases ----
    n0, tries0 = len(tls.messages), len(tls.auth_tries)
    p = rk("notify", "test", "--to", "ops@example.com", env={"RECKON_SMTP_PASSWORD": WRONG_PASSWORD})
    check_eq(p.returncode, 3, "wrong password: exit 3")
    check("refused the user name or password" in p.stderr and "RECKON_SMTP_PASSWORD" in p.stderr,
          "wrong password: the error says so and names where the password came from", p.stderr)
    check_eq(len(tls.auth_tries) - tries0, 1, "wrong password: not retried (one AUTH)")
    check_eq(len(tls.messages), n0, "wrong password: nothing delivered")

    down = free_closed_port()
    rk("config", "set", "smtp.url", "smtp://127.0.0.1:%d" % down)
    p = rk("notify", "test", "--to", "ops@example.com")
    check_eq(p.returncode, 3, "server down: exit 3")
    check("cannot connect to the SMTP server smtp://127.0.0.1:%d (4 attempts over" % down in p.stderr,
          "server down: the error names the server and the 4 attempts", p.stderr)
    # 3 retries, backoff 0.5, 1, 2 s each scaled by 50-100 %: 1.75 s to 3.5 s
    check(1.7 <= p.seconds <= 5.5, "server down: gave up after %.2f s (bound: 1.75-3.5 s of backoff)" % p.seconds)
    print("# server down: %.2f s" % p.seconds)

    stall = lab.start("stall")
    rk("config", "set", "smtp.url", stall.url)
    rk("config", "set", "smtp.timeout", "1")
    rk("config", "set", "smtp.retries", "1")
    p = rk("notify", "test", "--to", "ops@example.com")
    check_eq(p.returncode, 3, "stalled server: exit 3")
    check("did not answer within smtp.timeout (1 s) (2 attempts" in p.stderr, "stalled server: timeout named", p.stderr)
    check(2.0 <= p.seconds <= 4.5, "stalled server: gave up after %.2f s (bound: 2 x 1 s + 0.25-0.5 s)" % p.seconds)
    print("# stalled server: %.2f s" % p.seconds)
    rk("config", "unset", "smtp.retries")
    rk("config", "set", "smtp.timeout", "5")

    plain = lab.start("plain", password=SMTP_PASSWORD)
    rk("config", "set", "smtp.url", plain.url)
    for mode in ("required", "optional"):
        rk("config", "set", "smtp.starttls", mode)
        p = rk("notify", "test", "--to", "ops@example.com")
        check_eq(p.returncode, 3, "no STARTTLS (%s): exit 3" % mode)
        check("does not offer STARTTLS" in p.stderr and "nothing was sent" in p.stderr,
              "no STARTTLS (%s): refused, says nothing was sent" % mode, p.stderr)
    check_eq(plain.auth_tries, [], "no STARTTLS: the password never went out in clear")
    check(not any(c in ("MAIL", "RCPT", "DATA") for c in plain.commands()), "no STARTTLS: no mail went out in clear")
    p = rk("config", "set", "smtp.starttls", "off")
    check("in clear text" in p.stderr, "smtp.starttls off warns")
    p = rk("notify", "test", "--to", "ops@example.com")
    check(p.returncode == 0 and len(plain.messages) == 1 and plain.auth_tries and not plain.auth_tries[0][2],
          "smtp.starttls off (said explicitly): sent in clear")
    rk("config", "unset", "smtp.starttls")

    rk("config", "set", "smtp.url", tls.url)
    rk("config", "unset", "smtp.cafile")
    n0, tries0 = len(tls.messages), len(tls.auth_tries)
    p = rk("notify", "test", "--to", "ops@example.com")
    check(p.returncode == 3 and "certificate is not trusted" in p.stderr and "smtp.cafile" in p.stderr,
          "untrusted certificate: refused, points to smtp.cafile", p.stderr)
    check(len(tls.messages) == n0 and len(tls.auth_tries) == tries0, "untrusted certificate: no AUTH, nothing sent")
    rk("config", "set", "smtp.cafile", lab.cert)

    busy = lab.start("starttls", password=SMTP_PASSWORD, refuse_data=2)
    rk("config", "set", "smtp.url", busy.url)
    p = rk("notify", "test", "--to", "ops@example.com", quiet=False)
    check(p.returncode == 0 and "(3 attempts," in p.stdout, "451 twice: retried, sent on the third attempt", p.stdout)
    check(busy.refused == 2 and len(busy.messages) == 1, "451 twice: exactly one message delivered")

    smtps = lab.start("implicit", password=SMTP_PASSWORD)
    rk("config", "set", "smtp.url", smtps.url)
    p = rk("notify", "test", "--to", "ops@example.com")
    check(p.returncode == 0 and len(smtps.messages) == 1, "smtps:// (TLS from the first byte): sent")

    login = lab.start("starttls", password=SMTP_PASSWORD, exclude=["PLAIN"])
    rk("config", "set", "smtp.url", login.url)
    p = rk("notify", "test", "--to", "ops@example.com")
    check(p.returncode == 0 and login.auth_ok == ["LOGIN"], "AUTH LOGIN when the server offers only LOGIN",
          repr(login.auth_tries))

    # ---- no secret anywhere ----
    for s in SECRETS:
        for srv in lab.servers:
            for m in srv.messages:
                raw, msg = parse(m)
                body = "".join(p.get_content() for p in msg.iter_parts()) if msg.is_multipart() else msg.get_content()
                if s.encode() in raw or s in body or s in str(msg["Subject"]):
                    bad("a secret is in the message %s" % m)
        for what, out in OUTPUTS:
            # ingest and status name the files they read, secret-looking or not
            if s in out and not what.startswith(("ingest", "status")):
                bad("a secret is in the output of `reckon %s`" % what)
    ok("no secret in any message or in the output of config/notify (%d runs)" % len(OUTPUTS))
    for verb in ("config", "notify"):
        p = rk(verb, "--help")
        check(p.returncode == 0 and not any(s in p.stdout for s in SECRETS), verb + " --help: exits 0, no secret")

    lab.close()
    print("# email tests took %.1f s" % (time.monotonic() - t_start))


HEADER = ("identity/LineItemId,identity/TimeInterval,bill/BillType,bill/PayerAccountId,bill/BillingPeriodStartDate,"
          "bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,"
          "lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,"
          "lineItem/AvailabilityZone,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,"
          "lineItem/UnblendedCost,lineItem/BlendedCost,lineItem/LineItemDescription,product/servicecode")


def write_cur(path, ym, amounts, payer="111122223333"):
    """A legacy CUR CSV with one Usage row per amount (as tests/cli/lib.sh)."""
    y, m = int(ym[:4]), int(ym[5:])
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    p0, p1 = "%04d-%02d-01T00:00:00Z" % (y, m), "%04d-%02d-01T00:00:00Z" % (ny, nm)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(HEADER + "\n")
        for i, a in enumerate(amounts, 1):
            h = "%04d-%02d-01T%02d:00:00Z" % (y, m, i - 1)
            e = "%04d-%02d-01T%02d:59:59Z" % (y, m, i - 1)
            f.write("li%d,%s/%s,Anniversary,%s,%s,%s,%s,Usage,%s,%s,AmazonEC2,BoxUsage:m5.large,RunInstances,"
                    "us-east-1a,i-%d,1,USD,%s,%s,\"m5.large hour\",AmazonEC2\n"
                    % (i, h, e, payer, p0, p1, payer, h, e, i, a, a))


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(T, ignore_errors=True)
    if FAILS:
        print("%d failed" % FAILS)
        sys.exit(1)
    print("all passed")
