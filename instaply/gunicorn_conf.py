"""gunicorn settings of the web tier: `gunicorn -c python:instaply.gunicorn_conf instaply.wsgi`.

Threaded workers (gthread), so a request waiting in the events long-poll holds
a thread, not a process. The application is imported once in the master, and
its objects are frozen out of the garbage collector's reach before forking:
every request then spends less time in collections, and workers share memory.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
timeout = 60
preload_app = True


def pre_fork(server, worker):
    gc.freeze()
