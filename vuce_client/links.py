"""One-time contingency links (domain.md §7): signed, short-lived, burned on use.

A link carries ``{"a": account id, "l": link id, "g": generation}`` signed with itsdangerous
(serializer salted by purpose). The generation is a counter in the store that ``revoke_all``
moves on (contingency switching): every link of an earlier generation is void, and a later
episode never revives it. The store keeps, per link id, that it is live (TTL = the link's
lifetime), per account the current link id (a newer link supersedes the older one) and, once
opened, a burn mark written atomically (``add``): two clicks racing on one link cannot both win.

Statuses come from ``domain.contingency.classify_link``: VALID, EXPIRED, USED, SUPERSEDED,
INVALID. Time is injectable (``clock`` returns epoch seconds) so tests move a clock.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from .domain.contingency import (
    DEFAULT_LINK_TTL_SECONDS,
    LinkStatus,
    classify_link,
    is_link_expired,
)

PURPOSE = "vuce.contingency.link"
ID_BYTES = 16  # 128 bits of randomness (§7: "a random id (≥128 bits)")
# How long a burned id is remembered, so a second click says "ya fue utilizado" rather than
# "no es válido"; after this, the signature's age alone makes it EXPIRED.
BURN_MEMORY_FACTOR = 6


@dataclass(frozen=True)
class OpenedLink:
    """The outcome of opening a link; ``account_id`` is set whenever the signature is good."""

    status: LinkStatus
    account_id: int | None = None
    link_id: str | None = None
    issued_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status is LinkStatus.VALID


class LinkService:
    """Issue and open contingency links over a ``kvstore`` store."""

    def __init__(
        self,
        secret_key: str,
        store,
        *,
        ttl_seconds: int = DEFAULT_LINK_TTL_SECONDS,
        clock=time.time,
        purpose: str = PURPOSE,
    ) -> None:
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be positive")
        service = self  # the signer reads ``self.clock`` at call time: tests may swap it
        signer = type(
            "LinkSigner",
            (TimestampSigner,),
            {"get_timestamp": lambda _signer: int(service.clock())},
        )
        self._serializer = URLSafeTimedSerializer(secret_key, salt=purpose, signer=signer)
        self.store = store
        self.ttl = int(ttl_seconds)
        self.clock = clock
        self.prefix = f"vuce:link:{purpose}"

    # -- keys --------------------------------------------------------------------------------
    def _live(self, link_id: str) -> str:
        return f"{self.prefix}:live:{link_id}"

    def _current(self, account_id: int) -> str:
        return f"{self.prefix}:current:{account_id}"

    def _burned(self, link_id: str) -> str:
        return f"{self.prefix}:burned:{link_id}"

    @property
    def _generation_key(self) -> str:
        return f"{self.prefix}:generation"

    def generation(self) -> int:
        """The current generation: links (and contingency sessions) of another one are void."""
        return int(self.store.get(self._generation_key) or 0)

    # -- issue -------------------------------------------------------------------------------
    def issue(self, account_id: int) -> tuple[str, str]:
        """A new link for the account (voiding its previous one): ``(token, link_id)``."""
        link_id = secrets.token_urlsafe(ID_BYTES)
        token = self._serializer.dumps({"a": int(account_id), "l": link_id, "g": self.generation()})
        # A little slack over the lifetime: the signature's age is what expires a link, the
        # TTLs only bound the store's memory.
        ttl = self.ttl + 60
        self.store.set(self._live(link_id), str(account_id), ttl=ttl)
        self.store.set(self._current(account_id), link_id, ttl=ttl)
        return token, link_id

    def sign_only(self, account_id: int = 0) -> str:
        """Do the signing work of ``issue`` without storing anything (timing equalisation)."""
        self.generation()  # the same store read as ``issue``
        return self._serializer.dumps(
            {"a": int(account_id), "l": secrets.token_urlsafe(ID_BYTES), "g": 0}
        )

    # -- open --------------------------------------------------------------------------------
    def _decode(self, token: str):
        try:
            payload, issued = self._serializer.loads(token, return_timestamp=True)
        except BadSignature:
            return None
        if not (
            isinstance(payload, dict)
            and isinstance(payload.get("a"), int)
            and isinstance(payload.get("l"), str)
            and payload["l"]
            and isinstance(payload.get("g"), int)
        ):
            return None
        return payload["a"], payload["l"], payload["g"], issued.astimezone(UTC)

    def inspect(self, token: str | None) -> OpenedLink:
        """Classify a link without burning it."""
        decoded = self._decode(token or "") if token and len(token) < 1024 else None
        if decoded is None:
            return OpenedLink(LinkStatus.INVALID)
        account_id, link_id, generation, issued = decoded
        now = datetime.fromtimestamp(self.clock(), UTC)
        status = classify_link(
            signature_ok=True,
            # a link of an earlier generation (before contingency last switched) is void
            expired=is_link_expired(issued, now, self.ttl) or generation != self.generation(),
            id_known=self.store.get(self._live(link_id)) is not None,
            id_burned=self.store.get(self._burned(link_id)) is not None,
            is_current=(self.store.get(self._current(account_id)) or b"").decode() == link_id,
        )
        return OpenedLink(status, account_id, link_id, issued)

    def consume(self, token: str | None) -> OpenedLink:
        """Open a link: VALID exactly once (the id is burned atomically), else why not."""
        opened = self.inspect(token)
        if not opened.ok:
            return opened
        burn_ttl = max(self.ttl * BURN_MEMORY_FACTOR, 3600)
        if not self.store.add(self._burned(opened.link_id), "1", ttl=burn_ttl):
            return OpenedLink(LinkStatus.USED, opened.account_id, opened.link_id, opened.issued_at)
        self.store.delete(self._live(opened.link_id))
        current = self.store.get(self._current(opened.account_id))
        if current is not None and current.decode() == opened.link_id:
            self.store.delete(self._current(opened.account_id))
        return opened

    def revoke(self, account_id: int) -> None:
        """Void the account's outstanding link."""
        self.store.delete(self._current(account_id))

    def revoke_all(self) -> int:
        """Void every link issued so far (contingency switched); returns the new generation."""
        return self.store.incr(self._generation_key)
