"""A real SMTP server for clawwatch's email tests (aiosmtpd).

Every accepted message is written to DIR/msg-<n>.eml (the raw DATA) with
DIR/msg-<n>.json holding the envelope (mail_from, rcpt_tos, tls, auth,
login) and the decoded subject, Message-ID, text/plain and text/html parts.
A file DIR/FAIL makes the server answer DATA with its first line (e.g.
`451 4.3.0 try again later`) instead of accepting. A file DIR/HOLD makes it
keep the DATA reply back for ever: the message is written to
DIR/held-<n>.eml/.json (received, never acknowledged: the client was not
told it was accepted) and the session waits until the client goes away.
A file DIR/PAUSE makes it hold the reply only while the file exists: the
message is written to DIR/paused-<n>.eml/.json, then accepted as usual.
Each QUIT received leaves a file DIR/quit-<n> (the client read the DATA
reply: it only says QUIT after it).

Usage: smtp_sink.py DIR [--port N] [--cert CERT --key KEY] [--user U --password P]
Prints the listening port on the first stdout line once it accepts
connections. With --cert, STARTTLS is offered and required; with --user,
AUTH is required (only after STARTTLS when TLS is on).
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0
        self.held = 0
        self.paused = 0
        self.quits = 0

    async def handle_DATA(self, server, session, envelope):
        fail = os.path.join(self.outdir, "FAIL")
        if os.path.exists(fail):
            with open(fail) as f:
                return f.readline().strip()
        if os.path.exists(os.path.join(self.outdir, "HOLD")):
            self.held += 1
            self.record(f"held-{self.held:03d}", session, envelope)
            # Never reply: the client never learns the message arrived.
            await asyncio.Event().wait()
        if os.path.exists(os.path.join(self.outdir, "PAUSE")):
            self.paused += 1
            self.record(f"paused-{self.paused:03d}", session, envelope)
            while os.path.exists(os.path.join(self.outdir, "PAUSE")):
                await asyncio.sleep(0.02)
        self.n += 1
        self.record(f"msg-{self.n:03d}", session, envelope)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        open(os.path.join(self.outdir, f"quit-{self.quits:03d}"), "w").close()
        return "221 Bye"

    def record(self, name, session, envelope):
        base = os.path.join(self.outdir, name)
        content = envelope.original_content or envelope.content
        with open(base + ".tmp", "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "auth": session.authenticated,
            "login": (session.auth_data.login.decode()
                      if isinstance(session.auth_data, LoginPassword) else None),
        }
        msg = email.message_from_bytes(
            content if isinstance(content, bytes) else content.encode(),
            policy=email.policy.default)
        meta["subject"] = str(msg["subject"])
        meta["message_id"] = str(msg["message-id"])
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype in ("text/plain", "text/html"):
                meta[ctype.split("/")[1]] = part.get_content()
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".tmp", base + ".eml")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()

    tls = None
    if a.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == a.user
              and auth_data.password.decode() == a.password)
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    handler = Sink(a.dir)

    def factory():
        kw = dict(hostname="localhost", tls_context=tls, require_starttls=tls is not None)
        if a.user:
            kw.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=tls is not None)
        else:
            kw.update(auth_require_tls=False)
        return SMTP(handler, **kw)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, host="127.0.0.1", port=a.port)
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
