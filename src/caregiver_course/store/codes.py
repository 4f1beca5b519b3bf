"""Codes people read aloud and type on a phone, and the keyed hashes the store keeps instead of them.

A resume code is four common words and a three-digit number (MAPLE-RIVER-OWL-KITE-427): 278⁴ × 900 ≈
5.4 × 10¹² combinations (2⁴²). A workshop join code is two words and a two-digit number (OAK-RIVER-42):
278² × 90 ≈ 7.0 × 10⁶, enough with the server-wide limit on wrong tries (see ratelimit.py).
The store keeps only HMAC-SHA256 hashes of browser tokens and resume codes, keyed by a secret file that
lives beside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

# Short, common, concrete words: easy to say, spell and tell apart.
WORDS = tuple(
    """
acorn anchor apple apron arrow aspen atlas autumn bacon badge bagel bamboo banjo barley basil basket
beach beacon bean bear beaver bell berry bike birch bird biscuit blanket bloom blossom blue boat bonnet
book boot bottle branch bread breeze brick bridge brook broom bubble bucket bunny butter button cabin
cactus cake camel camera candle canoe canyon carrot castle cedar cello chalk cherry chess cider circle
clam cliff clock cloud clover coast cocoa comet compass cookie coral corn cotton cove crane crayon creek
cricket crown cupcake daisy dawn deer desert dolphin donkey dove dragon drum duck eagle earth easel echo
elbow elk ember fabric falcon feather fern ferry fiddle field fig finch flame flute forest fossil fox
frog garden garlic gate gecko ginger glacier globe glove goose grape gravel guitar hammer harbor harp
hazel heron hill honey hoop horse husky igloo island ivory jacket jade jelly jewel kayak kettle kite
kitten koala ladder lake lamp lantern lark lemon lettuce lily lime lion lizard llama lobster lotus
magnet mango maple marble meadow melon mint mitten moon moose moss mountain muffin nest noodle nutmeg
oak oasis ocean olive onion orange orchid otter owl paddle palm pancake panda parrot peach peanut pearl
pebble pencil penguin pepper piano pickle pillow pine pizza plum pond poppy potato pumpkin puppy quail
quilt rabbit radish rain raven reed ribbon river robin rocket rose saddle sage salmon sand sandal scarf
seal shell ship silver sky sled snow sock sparrow spoon spring spruce squash star stone straw sugar
summer sun swan tea teapot tiger toast tomato topaz towel tulip tuna turtle umbrella valley violet
waffle wagon walnut walrus wave whale wheat willow window winter wren yarn yogurt zebra
""".split()
)

RESUME_WORDS = 4
HASH_PREFIX = "h1:"


def new_resume_code() -> str:
    words = [secrets.choice(WORDS) for _ in range(RESUME_WORDS)]
    return "-".join(words).upper() + f"-{secrets.randbelow(900) + 100}"


def new_workshop_code() -> str:
    return f"{secrets.choice(WORDS).upper()}-{secrets.choice(WORDS).upper()}-{secrets.randbelow(90) + 10}"


def normalise_code(code: str) -> str:
    """Upper case, any run of spaces or punctuation becomes one hyphen: 'maple river, owl' -> MAPLE-RIVER-OWL."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in (code or "").upper())
    return "-".join(cleaned.split())


class KeyProblem(ValueError):
    """The hashing key cannot be used; the message says what to do."""


KEY_FINGERPRINT_LABEL = b"caregiver-course key fingerprint v1"


def parse_key(text: str, where: str) -> bytes:
    """The key from its one text form: the 64 hexadecimal characters of the key file, which the variable
    CAREGIVER_HASH_KEY may hold too (copy the file's contents into it). Older versions took the variable's text
    as it was, so a variable that is not hexadecimal still works as before (at least 16 characters)."""
    text = (text or "").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) >= 16:
        return key
    if len(text) >= 16 and not key:
        return text.encode()
    raise KeyProblem(
        f"The hashing key in {where} is too short or cut off. It should be the 64 characters of a course.key "
        "file (letters a-f and digits). Copy the whole key from the machine that made the database."
    )


def key_fingerprint(key: bytes) -> str:
    """A short, one-way fingerprint of the key: the store keeps it, so a server with another key is noticed."""
    return hmac.new(key, KEY_FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def load_key(path: Path) -> bytes:
    """The hashing key: CAREGIVER_HASH_KEY if set, else the key file beside the database, made (readable by the
    owner only) the first time. Both hold the same text (see parse_key)."""
    env = os.environ.get("CAREGIVER_HASH_KEY", "")
    if env.strip():
        return parse_key(env, "CAREGIVER_HASH_KEY")
    try:
        return parse_key(path.read_text(), f"the key file {path.name}")
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex())
    try:
        os.link(tmp, path)  # atomic: the first kernel's key wins, and no one reads a half-written file
    except FileExistsError:
        key = parse_key(path.read_text(), f"the key file {path.name}")
    finally:
        tmp.unlink()
    return key


def keyed_hash(key: bytes, value: str) -> str:
    return HASH_PREFIX + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
