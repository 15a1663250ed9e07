"""The bus between nodes: one narrow interface, an in-process backend for the
embedded default and a Redis pub/sub backend for several nodes. It carries
typed messages (bus/messages.py): news of facts with their positions, kicks,
presence and typing; never the only copy of anything durable."""

from bus.base import CONTROL_TOPIC, PRESENCE_TOPIC, Bus, stream_topic

__all__ = ["CONTROL_TOPIC", "PRESENCE_TOPIC", "Bus", "make_bus", "stream_topic"]


def make_bus(redis_url: str | None, *, prefix: str = "kaisha") -> Bus:
    if redis_url:
        from bus.redis import RedisBus

        return RedisBus(redis_url, prefix=prefix)
    from bus.memory import MemoryBus

    return MemoryBus()
