"""A real SMTP server for the email tests: Debian's aiosmtpd, run in a thread.

Each server listens on 127.0.0.1 on a port the kernel picks (port 0), so
tests running in parallel never collide. What a server saw is recorded:
every command the client sent (AUTH mechanism and user, MAIL, RCPT, DATA),
every message delivered (written to a folder as NNN.eml, envelope beside it
as NNN.json), and how many DATA commands it refused on purpose.

Kinds:
  starttls   STARTTLS offered and required before anything else; AUTH
             (PLAIN and LOGIN, or those not excluded) required
  implicit   TLS from the first byte (smtps), AUTH required
  plain      no TLS at all; AUTH offered in clear, so a client that wrongly
             sends its password there is caught
  stall      accepts connections and never says a word
Run with /usr/bin/python3 (Debian's, which sees python3-aiosmtpd).
"""

import asyncio
import json
import os
import socket
import ssl
import subprocess
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_cert(folder):
    """A self-signed certificate for 127.0.0.1 / localhost (also its own CA)."""
    key = os.path.join(folder, "key.pem")
    cert = os.path.join(folder, "cert.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=reckon test SMTP",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True)
    return cert, key


def free_closed_port():
    """A port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Handler:
    def __init__(self, server):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.server.log.append(("MAIL", address))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.server.log.append(("RCPT", address))
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.log.append(("DATA", len(envelope.content)))
        if self.server.refuse_data > 0:
            self.server.refuse_data -= 1
            self.server.refused += 1
            return "451 4.3.0 Try again later (test)"
        n = len(self.server.messages) + 1
        base = os.path.join(self.server.folder, "%03d" % n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None or self.server.kind == "implicit",
                       "auth": self.server.auth_ok[-1] if self.server.auth_ok else None}, f)
        self.server.messages.append(base + ".eml")
        return "250 Message accepted"


class Server:
    def __init__(self, lab, kind, user, password, exclude=(), refuse_data=0):
        self.lab, self.kind = lab, kind
        self.user, self.password = user.encode(), password.encode()
        self.folder = os.path.join(lab.folder, "%s-%d" % (kind, len(lab.servers)))
        os.makedirs(self.folder)
        self.log, self.messages, self.auth_ok, self.auth_tries = [], [], [], []
        self.refuse_data, self.refused = refuse_data, 0
        self.exclude = list(exclude)
        self.port = None
        self._server = None

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login if isinstance(auth_data, LoginPassword) else b""
        self.auth_tries.append((mechanism, login.decode(errors="replace"), session.ssl is not None))
        if (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
                and auth_data.password == self.password):
            self.auth_ok.append(mechanism)
            return AuthResult(success=True)
        # handled=False: aiosmtpd answers 535 itself; handled=True without a
        # reply would leave the client waiting forever.
        return AuthResult(success=False, handled=False)

    def _factory(self):
        common = dict(hostname="reckon-test", authenticator=self.authenticator, auth_required=True,
                      auth_exclude_mechanism=self.exclude, loop=self.lab.loop)
        if self.kind == "starttls":
            return SMTP(Handler(self), tls_context=self.lab.tls_server_ctx, require_starttls=True,
                        auth_require_tls=True, **common)
        if self.kind == "implicit":
            return SMTP(Handler(self), auth_require_tls=False, **common)
        return SMTP(Handler(self), auth_require_tls=False, **common)

    async def _start(self):
        if self.kind == "stall":
            async def silent(reader, writer):
                await reader.read()  # until the client gives up
                writer.close()
            self._server = await asyncio.start_server(silent, "127.0.0.1", 0)
        else:
            ctx = self.lab.tls_server_ctx if self.kind == "implicit" else None
            self._server = await self.lab.loop.create_server(self._factory, "127.0.0.1", 0, ssl=ctx)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("smtps" if self.kind == "implicit" else "smtp", self.port)

    def commands(self):
        return [c for c, _ in self.log]


class Lab:
    def __init__(self, folder):
        self.folder = folder
        self.cert, self.key = make_cert(folder)
        self.tls_server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls_server_ctx.load_cert_chain(self.cert, self.key)
        self.servers = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def start(self, kind, user="reckon@example.com", password="", **kw):
        s = Server(self, kind, user, password, **kw)
        asyncio.run_coroutine_threadsafe(s._start(), self.loop).result(10)
        self.servers.append(s)
        return s

    def close(self):
        async def stop():
            for s in self.servers:
                if s._server:
                    s._server.close()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
