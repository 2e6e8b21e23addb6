"""Django's Redis cache, with one Redis client and connection pool per server
for the whole process.

Django's backend builds a new ``redis.Redis`` object for every operation, which
costs more than the operation itself on a hot path (rate limits on every
webhook). And Django keeps its cache objects per context, not per process: the
web tier runs each request in a fresh context (instaply/asgi.py, a2wsgi), so
every request got a new backend, a new pool, and opened a new connection to
Redis for its first command (measured by bench/webhook_bench.py: one Redis
connection per webhook, about a millisecond of CPU). A client is thread-safe
and borrows connections from its pool, and redis-py's pools start afresh in a
forked child, so one per server and options serves every context and thread.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_shared_lock = threading.Lock()
# (server, pool options): (pool, client)
_shared: dict[tuple, tuple] = {}


class ReusingRedisCacheClient(RedisCacheClient):
    def _shared(self, write: bool) -> tuple:
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, self._pool_class, tuple(sorted(self._pool_options.items(), key=repr)))
        found = _shared.get(key)
        if found is None:
            with _shared_lock:
                found = _shared.get(key)
                if found is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    found = _shared[key] = (pool, self._client(connection_pool=pool))
        return found

    def _get_connection_pool(self, write):
        return self._shared(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._shared(write)[1]


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


# One asyncio client per event loop (a worker process has one), for code that
# runs on the loop itself: the native webhook intake (channels_sms/webhooks/intake.py).
_async_clients: dict = {}


def async_redis_client():
    """A redis.asyncio client of the default cache's server, with its options
    (timeouts); its pool belongs to the running loop."""
    import asyncio

    import redis.asyncio
    from django.conf import settings

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        cache = settings.CACHES["default"]
        location = cache["LOCATION"]
        server = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
        client = _async_clients[loop] = redis.asyncio.Redis.from_url(
            server, **cache.get("OPTIONS", {})
        )
    return client


async def close_async_redis_client() -> None:
    import asyncio

    client = _async_clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()
