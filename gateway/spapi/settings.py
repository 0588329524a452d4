"""What the upstream client reads from the settings (structural, see ``gateway.config``).

``gateway.config.Settings`` satisfies :class:`SettingsLike`; tests may pass anything that
has the same attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class LwaCredentialsLike(Protocol):
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str: ...
    @property
    def refresh_token(self) -> str: ...


class SellerLike(Protocol):
    @property
    def marketplaces(self) -> tuple[str, ...]: ...
    @property
    def lwa(self) -> LwaCredentialsLike | None: ...


class UpstreamLike(Protocol):
    @property
    def mode(self) -> str: ...  # production | sandbox | emulator
    @property
    def endpoints(self) -> Mapping[str, str]: ...  # region -> base URL
    @property
    def lwa_url(self) -> str: ...
    @property
    def timeout_seconds(self) -> float: ...
    @property
    def connect_timeout_seconds(self) -> float: ...
    @property
    def retry_budget_seconds(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...


class SettingsLike(Protocol):
    @property
    def upstream(self) -> UpstreamLike: ...

    def seller(self, seller_id: str) -> SellerLike: ...
