"""The bus between nodes: one narrow interface, an in-process backend for the
embedded default and a Redis pub/sub backend for several nodes. It carries news
of facts (with their positions), never the only copy of anything durable."""

from channels.broker.base import Broker, MessageHandler, channel_topic

__all__ = ["Broker", "MessageHandler", "channel_topic", "make_broker"]


def make_broker(redis_url: str | None, *, prefix: str = "kaisha") -> Broker:
    if redis_url:
        from channels.broker.redis import RedisBroker

        return RedisBroker(redis_url, prefix=prefix)
    from channels.broker.memory import MemoryBroker

    return MemoryBroker()
