"""kombu's Redis transport, keeping one Redis client per channel for publishing.

kombu builds a new ``redis.Redis`` object for every message it publishes (and
redis-py copies its table of response callbacks into each), which cost more
than the LPUSH itself on the webhook path. A client is thread-safe and takes
its connections from the channel's pool, so one is enough. Used through
``CELERY_BROKER_TRANSPORT``; the consuming side (BRPOP, pub/sub) is unchanged.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    _publishing_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        if self._publishing_client is None:
            self._publishing_client = super()._create_client()
        return self._publishing_client


class Transport(redis.Transport):
    Channel = Channel
