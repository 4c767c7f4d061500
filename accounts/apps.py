from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Households"

    def ready(self) -> None:
        from accounts import identity_cache  # noqa: PLC0415

        identity_cache.connect()
