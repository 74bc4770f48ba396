"""The Redis keys of the progress contract, as the TypeScript code builds them (shared/redis/keys.ts).

All keys of one target share the hash tag ``{product/model/version}``, so they live in one slot
(safe on Redis Cluster and Memorystore).
"""

from __future__ import annotations


class TargetKeys:
    """Key builders for one target."""

    def __init__(self, prefix: str, target: str) -> None:
        if not prefix or not target:
            raise ValueError(f"prefix {prefix!r} and target {target!r}: both must be non-empty")
        self.prefix = prefix
        self.target = target
        self.tag = f"{prefix}:{{{target}}}"

    @property
    def done(self) -> str:
        """HASH batch id -> images finished."""
        return f"{self.tag}:done"

    @property
    def failed(self) -> str:
        """HASH batch id -> images failed for good."""
        return f"{self.tag}:failed"

    def pod(self, name: str) -> str:
        """The plain heartbeat of a pod: STRING n with a TTL, one writer per pod."""
        return f"{self.tag}:pod:{name}"

    def holders(self, name: str) -> str:
        """The holders of a pod: ZSET ``holderId:n`` scored by expiry (ms, Redis server clock)."""
        return f"{self.tag}:holders:{name}"


def holder_member(holder_id: str, images: int) -> str:
    """One holder's entry in ``holders(pod)``: ``<holderId>:<images>``."""
    if not holder_id or ":" in holder_id:
        raise ValueError(f"holder id {holder_id!r}: must be non-empty and contain no ':'")
    if isinstance(images, bool) or not isinstance(images, int) or images < 1:
        raise ValueError(f"holder {holder_id!r} holds {images!r} images: must be a whole number of at least 1")
    return f"{holder_id}:{images}"
