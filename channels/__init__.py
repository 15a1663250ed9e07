"""The heart: channels, membership, posts, comments, likes, the per-channel event
log with its positions, history, the wire protocol and the bus between nodes.

Depends on ``org`` (people and departments) and ``core``; never on ``server``.
"""
