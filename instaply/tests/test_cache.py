import pytest
from django.conf import settings
from django.core.cache import caches

from instaply.cache import ReusingRedisCache
from instaply.ratelimit import hit

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs REDIS_URL: CI runs it on Redis"
)


def test_the_redis_cache_keeps_one_client_per_pool():
    backend = caches["default"]
    assert isinstance(backend, ReusingRedisCache)
    backend.set("reuse-probe", 1)
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=True)
    assert backend.get("reuse-probe") == 1


def test_every_context_shares_the_process_s_redis_pool():
    """The tier runs each request in a context of its own (a2wsgi), where Django
    gives it another cache object: the pool, and its open connections, are the
    process's, not one per request."""
    import contextvars

    def pool_and_client():
        backend = caches["default"]
        backend.get("reuse-probe")
        return backend._cache._get_connection_pool(True), backend._cache.get_client(write=True)

    here = pool_and_client()
    elsewhere = contextvars.Context().run(pool_and_client)
    assert elsewhere[0] is here[0] and elsewhere[1] is here[1]


def test_a_rate_limit_window_counts_and_expires_in_redis(settings):
    backend = caches["default"]
    first = hit("probe", "client-1", rate="2/m")
    second = hit("probe", "client-1", rate="2/m")
    third = hit("probe", "client-1", rate="2/m")
    assert [first.allowed, second.allowed, third.allowed] == [True, True, False]
    keys = backend._cache.get_client().keys(f"*{settings.RATE_LIMIT_KEY_PREFIX}:probe:*")
    assert keys and all(0 < backend._cache.get_client().ttl(k) <= 61 for k in keys)


def test_celery_publishes_through_one_reused_redis_client():
    from instaply.celery import app
    from instaply.kombu_redis import Transport

    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
