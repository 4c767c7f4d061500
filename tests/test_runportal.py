from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.mark.django_db
def test_it_prepares_the_demo_users_and_prints_their_logins(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BASE_DIR = tmp_path
    output = io.StringIO()
    call_command("runportal", "--prepare-only", "--port", "8123", stdout=output)
    users = get_user_model().objects.order_by("username")
    assert [(user.username, user.is_staff) for user in users] == [
        ("editor", True),
        ("viewer", False),
    ]
    logins = dict(
        line.split(":", 1) for line in (tmp_path / ".local/demo-logins.txt").read_text().split()
    )
    assert users.get(username="editor").check_password(logins["editor"])
    assert "http://127.0.0.1:8123/" in output.getvalue()
    assert logins["viewer"] in output.getvalue()


@pytest.mark.django_db
def test_it_keeps_the_same_logins_on_a_second_start(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BASE_DIR = tmp_path
    call_command("runportal", "--prepare-only", stdout=io.StringIO())
    first = (tmp_path / ".local/demo-logins.txt").read_text()
    call_command("runportal", "--prepare-only", stdout=io.StringIO())
    assert (tmp_path / ".local/demo-logins.txt").read_text() == first
    assert get_user_model().objects.count() == 2
