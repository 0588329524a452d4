"""The NextToken codec: round trip, opacity, tamper evidence, expiry, kind binding."""

from __future__ import annotations

import base64

import pytest

from gateway.mws.errors import MwsError
from gateway.translate.engine.nexttoken import TokenCodec, decode_token, encode_token

KEY = b"k" * 32
STATE = {"o": "111-2223334-4445556", "i": 40, "f": [["BuyerEmail", ["a@b.example"], True]]}


def _corrupted(codec: TokenCodec, token: str, kind: str = "orders.items", **kw: float) -> None:
    with pytest.raises(MwsError) as info:
        codec.decode(token, kind, **kw)
    assert info.value.code == "NextTokenCorrupted"


def test_round_trip_returns_the_state() -> None:
    codec = TokenCodec(KEY)
    token = codec.encode("orders.items", STATE)
    assert codec.decode(token, "orders.items") == STATE
    assert decode_token(KEY, encode_token(KEY, "k1", {"x": 1}), "k1") == {"x": 1}


def test_token_is_url_safe_and_opaque() -> None:
    token = TokenCodec(KEY).encode("orders.items", STATE)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    # neither the order id nor the e-mail filter can be read out of the token
    assert b"111-2223334" not in raw and b"a@b.example" not in raw and b"orders" not in raw


def test_two_tokens_for_the_same_state_differ() -> None:
    codec = TokenCodec(KEY)
    assert codec.encode("k", STATE) != codec.encode("k", STATE)


@pytest.mark.parametrize("position", [0, 5, 20, -3, -1])
def test_any_flipped_character_is_rejected(position: int) -> None:
    codec = TokenCodec(KEY)
    token = codec.encode("orders.items", STATE)
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    _corrupted(codec, "".join(chars))


def test_truncated_extended_and_garbage_tokens_are_rejected() -> None:
    codec = TokenCodec(KEY)
    token = codec.encode("orders.items", STATE)
    for bad in (token[:-4], token + "AAAA", "", "   ", "not a token!", "x" * 9000, "QUJD"):
        _corrupted(codec, bad)


def test_token_from_another_key_is_rejected() -> None:
    token = TokenCodec(b"other-key-000000000000").encode("orders.items", STATE)
    _corrupted(TokenCodec(KEY), token)


def test_token_of_another_kind_is_rejected() -> None:
    codec = TokenCodec(KEY)
    _corrupted(codec, codec.encode("orders.list", STATE), "orders.items")


def test_expired_token_is_rejected() -> None:
    codec = TokenCodec(KEY, ttl_seconds=60)
    token = codec.encode("orders.items", STATE, now=1_000_000.0)
    assert codec.decode(token, "orders.items", now=1_000_059.0) == STATE
    _corrupted(codec, token, now=1_000_061.0)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenCodec(b"short")
