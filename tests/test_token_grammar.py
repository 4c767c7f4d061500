"""The stream token's grammar (docs/api.md): a valid token opens its path, and every mutation
of it is refused, most of them as ``token_malformed`` before the signature is even computed.

The mutations are the ones a viewer holding a valid token can make: append or repeat a field
(the old parser kept the last value, so ``~exp=<forever>`` won), reorder, truncate, re-encode,
swap in non-ASCII look-alikes, change case, pad. hypothesis draws them from a fresh valid token.
"""

from __future__ import annotations

import base64
import uuid
from urllib.parse import quote
from uuid import UUID

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pytest_django import Settings

from playback import tokens

SESSION = UUID("6f1c1a52-2f4e-4b43-9d55-0e6f5c0b9a11")
PROFILE_ID = 7
PATH = f"/edge/{SESSION}/master.m3u8"


@pytest.fixture(autouse=True)
def _one_signing_key(settings: Settings) -> None:
    settings.STREAM_SIGNING_KEYS = ["t1:tests-only-stream-signing-secret"]
    settings.STREAM_TOKEN_TTL_SECONDS = 240


TOKEN_ID = UUID("0b5c4a8e-9d0f-4f6e-8a43-1c2d3e4f5a6b")
ISSUED = 4_102_444_800  # fixed (and in the future), so hypothesis draws from the same text


def valid_token() -> str:
    ctx = tokens.viewer_context(profile_id=PROFILE_ID, session_id=SESSION)
    return tokens.mint(session_id=SESSION, ctx=ctx, token_id=TOKEN_ID, now=ISSUED)[1]


def refusal(value: str) -> str:
    ctx = tokens.viewer_context(profile_id=PROFILE_ID, session_id=SESSION)
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.verify(value, path=PATH, ctx=ctx)
    return refused.value.code


def fields(value: str) -> list[str]:
    return value.split("~")


def test_it_accepts_the_token_it_mints() -> None:
    value = valid_token()
    ctx = tokens.viewer_context(profile_id=PROFILE_ID, session_id=SESSION)

    assert tokens.verify(value, path=PATH, ctx=ctx).acl == f"/edge/{SESSION}/"


def test_it_signs_exactly_the_text_before_the_signature() -> None:
    value = valid_token()
    token, payload, signature = tokens.parse(value)

    assert payload == token.payload()
    assert value == f"{payload}~hmac={signature}"


# --- The attack that worked: fields after the signature ---------------------------------------

LATER = "exp=99999999999"
WIDER = "acl=/edge/"
OTHER_TID = f"tid={uuid.uuid4()}"


@pytest.mark.parametrize("appended", [LATER, "kid=t1", OTHER_TID, WIDER, "hmac=" + "0" * 64, ""])
def test_it_refuses_a_field_appended_after_the_signature(appended: str) -> None:
    assert refusal(f"{valid_token()}~{appended}") == "token_malformed"


def test_it_refuses_a_later_expiry_repeated_before_the_signature() -> None:
    head, _, signature = valid_token().rpartition("~hmac=")

    assert refusal(f"{head}~{LATER}~hmac={signature}") == "token_malformed"


# --- Every mutation, drawn by hypothesis -------------------------------------------------------

FIELD_TEXT = st.sampled_from(
    [LATER, "kid=t1", "kid=t2", WIDER, OTHER_TID, "ctx=" + "a" * 32, "hmac=" + "f" * 64, "x=1"]
)
# Look-alikes of the token's ASCII: fullwidth digits and signs, Cyrillic and Greek letters.
LOOKALIKES = {
    "0": "\uff10",
    "1": "\uff11",
    "a": "\u0430",
    "e": "\u0435",
    "k": "\u03ba",
    "=": "\uff1d",
    "~": "\u223c",
    "-": "\u2010",
}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, mutated token): one hostile change to a freshly minted token."""
    value = valid_token()
    parts = fields(value)
    kind = draw(
        st.sampled_from(
            [
                "append",
                "repeat",
                "insert",
                "reorder",
                "truncate",
                "re-encode",
                "non-ascii",
                "case",
                "padding",
                "drop",
            ]
        )
    )
    if kind == "append":
        result = value + "~" + draw(FIELD_TEXT)
    elif kind == "repeat":
        index = draw(st.integers(0, len(parts) - 1))
        at = draw(st.integers(0, len(parts)))
        result = "~".join([*parts[:at], parts[index], *parts[at:]])
    elif kind == "insert":
        at = draw(st.integers(0, len(parts)))
        result = "~".join([*parts[:at], draw(FIELD_TEXT), *parts[at:]])
    elif kind == "reorder":
        first, second = draw(
            st.tuples(st.integers(0, len(parts) - 1), st.integers(0, len(parts) - 1)).filter(
                lambda pair: pair[0] != pair[1]
            )
        )
        parts[first], parts[second] = parts[second], parts[first]
        result = "~".join(parts)
    elif kind == "truncate":
        result = value[: draw(st.integers(0, len(value) - 1))]
    elif kind == "re-encode":
        how = draw(st.sampled_from(["percent", "percent-all", "base64", "entity"]))
        result = {
            "percent": quote(value, safe=""),
            "percent-all": "".join(f"%{byte:02X}" for byte in value.encode()),
            "base64": base64.urlsafe_b64encode(value.encode()).decode(),
            "entity": value.replace("~", "&#126;"),
        }[how]
    elif kind == "non-ascii":
        candidates = [i for i, char in enumerate(value) if char in LOOKALIKES]
        index = draw(st.sampled_from(candidates))
        result = value[:index] + LOOKALIKES[value[index]] + value[index + 1 :]
    elif kind == "case":
        index = draw(st.integers(0, len(value) - 1))
        assume(value[index].isalpha() and value[index].islower())
        result = value[:index] + value[index].upper() + value[index + 1 :]
    elif kind == "padding":
        pad = draw(st.sampled_from([" ", "\t", "\n", "\x00", "=", "~", "\ufeff", "\u200b"]))
        where = draw(st.sampled_from(["start", "end", "inside"]))
        if where == "inside":
            at = draw(st.integers(1, len(value) - 1))
            result = value[:at] + pad + value[at:]
        else:
            result = pad + value if where == "start" else value + pad
    else:  # drop one field
        index = draw(st.integers(0, len(parts) - 1))
        result = "~".join(parts[:index] + parts[index + 1 :])
    assume(result != value)
    return kind, result


@pytest.mark.fuzz
@given(mutated())
def test_it_refuses_every_mutation_of_a_valid_token(case: tuple[str, str]) -> None:
    kind, value = case

    code = refusal(value)

    if kind == "case" and value.startswith("kid=T"):
        # A kid is case-sensitive and well-formed in either case: it names no key.
        assert code == "token_unknown_key"
    else:
        assert code == "token_malformed", (kind, value)


@pytest.mark.fuzz
@given(st.text(max_size=400))
def test_it_refuses_arbitrary_text_without_raising_anything_else(value: str) -> None:
    assert refusal(value) in {"token_malformed", "token_unknown_key", "token_bad_signature"}


@pytest.mark.parametrize("length", [tokens.MAX_LENGTH + 1, 10_000, 1_000_000])
def test_it_refuses_an_overlong_value_before_matching_it(length: int) -> None:
    value = valid_token()

    assert refusal(value + "0" * (length - len(value))) == "token_malformed"


@pytest.mark.parametrize(
    "field",
    [
        "exp=01767225600",  # a leading zero: not the canonical spelling
        "exp=-1",
        "exp=1e10",
        "exp=9999999999999",  # past the bounded length
        "tid={upper}",
        "ctx=" + "A" * 32,
        "ctx=" + "a" * 31,
        "acl=/edge/{session}",
        "acl=/edge/{session}/../",
        "acl=/EDGE/{session}/",
        "kid=",
        "kid=" + "k" * 17,
        "kid=t 1",
    ],
)
def test_it_refuses_a_field_outside_its_canonical_form(field: str) -> None:
    parts = fields(valid_token())
    name = field.split("=", 1)[0]
    replacement = field.format(upper=str(uuid.uuid4()).upper(), session=SESSION)
    changed = "~".join(replacement if part.startswith(f"{name}=") else part for part in parts)

    assert refusal(changed) == "token_malformed"
