"""gunicorn settings of the web tier:
`gunicorn -c python:instaply.gunicorn_conf instaply.asgi:application`.

ASGI workers (uvicorn, with uvloop and httptools): a request waiting on the
events feed is a suspended coroutine, not a held thread, so thousands of open
inboxes cost memory, not capacity. Every other request runs through Django's
WSGI handler on a pool of WEB_THREADS threads per worker (instaply/asgi.py), as
fast as the previous gthread tier (docs/scaling.md has the figures that chose
this layout).

``WEB_WORKER_CLASS=gthread`` with ``instaply.wsgi:application`` serves the
previous threaded layout; bench/live_bench.py uses it as its baseline.

The application is imported once in the master, and its objects are frozen out
of the garbage collector's reach before forking: every request then spends less
time in collections, and workers share memory.
"""

import gc
import os

WORKER_CLASSES = {"uvicorn": "uvicorn_worker.UvicornWorker", "gthread": "gthread"}

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = WORKER_CLASSES[os.environ.get("WEB_WORKER_CLASS", "uvicorn")]
threads = int(os.environ.get("WEB_THREADS", "8"))  # gthread; asgi.py reads it too
timeout = 60
preload_app = True


def pre_fork(server, worker):
    gc.freeze()
