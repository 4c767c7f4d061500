#!/usr/bin/env python
"""Django's command-line utility. Starts the embedded engines when no URLs are configured."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")
    from streaming_portal.engines import ensure_environment  # noqa: PLC0415

    ensure_environment()
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
