"""A real SMTP server on loopback for tests: Django's SMTP backend talks to it
over TCP, and it can defer (451, as greylisting does) or refuse (550) mail."""

import socketserver
import threading


class MailServer:
    """``defer``: how many of the next mails get 451 at MAIL FROM; ``refuse``:
    whether every recipient gets 550; ``hold``: an event the server waits for
    before accepting a mail's data (``receiving`` is set meanwhile), so a test
    can act while a sender is mid-send. ``messages`` holds what was accepted."""

    def __init__(self, *, defer: int = 0, refuse: bool = False, hold=None):
        self.defer = defer
        self.refuse = refuse
        self.hold = hold
        self.receiving = threading.Event()
        self.messages: list[str] = []
        self.deferred = 0
        self._lock = threading.Lock()
        server = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                server._session(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def settings(self) -> dict:
        """Django settings that send mail here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10,
        }

    def _session(self, rfile, wfile):
        def say(line: str):
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        say("220 loopback ready")
        while line := rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 loopback")
            elif verb == "MAIL":
                with self._lock:
                    deferring = self.deferred < self.defer
                    self.deferred += deferring
                say("451 4.7.1 Try again later" if deferring else "250 OK")
            elif verb == "RCPT":
                say("550 5.1.1 No such mailbox" if self.refuse else "250 OK")
            elif verb == "DATA":
                say("354 End with a dot")
                body = []
                while (data := rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                if self.hold is not None:
                    self.receiving.set()
                    self.hold.wait(30)
                with self._lock:
                    self.messages.append("".join(body))
                say("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                say("250 OK")
            elif verb == "QUIT":
                say("221 Bye")
                return
            else:
                say("502 Not implemented")
