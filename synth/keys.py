"""Keys and direct identifiers: detected from column names and value patterns, never learned by
a model, regenerated on output (fresh keys, or realistic fakes from Faker).

A low module on purpose: the schema (detection), whole-table sampling and the sequence model
(regeneration) all import it, and it imports nothing of synth's, so no import circle forms.

Detection is deliberately conservative on names and strict on patterns: a column is flagged when
its name says so (``email``, ``phone``, ``iban``, …) or when nearly all of its values match a
pattern (e-mail addresses, IBANs, Luhn-valid card numbers, phone numbers). A job file can
override either way with ``schema.columns.<name>.pii``.
"""

from __future__ import annotations

import re
from typing import Protocol

import numpy as np
import pandas as pd


class KeyColumn(Protocol):
    """What key generation needs of a schema column (``synth.schema.Column`` has it)."""

    name: str
    dtype: str
    pii: str | None


KEY_BASE = 10**12  # synthetic integer keys start here, far from typical real key ranges

PATTERN_SHARE = 0.9

_NAME_RULES: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"e-?mail", re.I)),
    ("phone", re.compile(r"phone|mobile|fax|tel(ephone)?\b", re.I)),
    ("iban", re.compile(r"\biban\b", re.I)),
    ("card", re.compile(r"card.?(number|no|num)|\bpan\b|credit.?card", re.I)),
    (
        "national_id",
        re.compile(r"ssn|social.?security|national.?id|passport|birth.?number|tax.?id", re.I),
    ),
    ("name", re.compile(r"(^|_)(first|last|full|given|family|sur)?.?name$", re.I)),
    ("address", re.compile(r"street|address|^addr", re.I)),
    ("ip", re.compile(r"(^|_)ip(_?addr(ess)?)?$", re.I)),
]
_VALUE_RULES: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")),
    ("iban", re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")),
    ("phone", re.compile(r"^\+?\(?\d{1,4}\)?[\s.-]?\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{0,4}$")),
    ("ip", re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")),
]


def _luhn_valid(digits: pd.Series) -> pd.Series:
    def check(number: str) -> bool:
        total = 0
        for i, ch in enumerate(reversed(number)):
            d = ord(ch) - 48
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        return total % 10 == 0

    return digits.map(check)


_ACCOUNT_NAME = re.compile(r"(^|_)(account|acct)(_?(no|num|number|nr))?$", re.I)


def detect_pii(name: str, values: pd.Series) -> str | None:
    """The kind of direct identifier a column holds, or ``None``."""
    for kind, rule in _NAME_RULES:
        if rule.search(name):
            return kind
    if _ACCOUNT_NAME.search(name) and _mostly_long_numbers(values):
        return "account_number"
    present = values.dropna()
    if (
        present.empty
        or not pd.api.types.is_object_dtype(present)
        and not pd.api.types.is_string_dtype(present)
    ):
        return None
    text = present.astype(str).str.strip()
    sample = text.sample(min(len(text), 2000), random_state=0) if len(text) > 2000 else text
    for kind, rule in _VALUE_RULES:
        if sample.str.match(rule).mean() >= PATTERN_SHARE:
            if kind == "phone" and sample.str.replace(r"\D", "", regex=True).str.len().lt(7).any():
                continue
            return kind
    digits = sample.str.replace(r"[\s-]", "", regex=True)
    is_card = digits.str.fullmatch(r"\d{13,19}")
    if is_card.mean() >= PATTERN_SHARE and _luhn_valid(digits[is_card]).mean() >= PATTERN_SHARE:
        return "card"
    words = sample.str.split().str.len()
    if words.mean() >= 6 and present.nunique() > 0.9 * len(present):
        return "free_text"
    return None


def _mostly_long_numbers(values: pd.Series) -> bool:
    """Values that read as numbers of at least six digits (account numbers, not categories)."""
    present = values.dropna()
    if present.empty:
        return False
    digits = present.astype(str).str.replace(r"\.0$", "", regex=True).str.fullmatch(r"\d{6,}")
    return bool(digits.mean() >= PATTERN_SHARE)


def fake_values(column: KeyColumn, n: int, rng: np.random.Generator) -> pd.Series:
    """Realistic stand-ins for a direct identifier, seeded, from Faker (no real value reused)."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(int(rng.integers(0, 2**31 - 1)))
    makers = {
        "email": fake.email,
        "phone": fake.phone_number,
        "iban": fake.iban,
        "card": fake.credit_card_number,
        "national_id": fake.ssn,
        "name": fake.name,
        "address": lambda: fake.address().replace("\n", ", "),
        "ip": fake.ipv4,
        "free_text": lambda: fake.sentence(nb_words=10),
    }
    if column.pii == "account_number":  # ten digits starting 99: outside the usual 8-digit range of real ones
        digits = 9_900_000_000 + rng.integers(0, 10**8, n)
        return pd.Series(digits.astype(str), name=column.name, dtype=object)
    maker = makers.get(column.pii or "", lambda: fake.bothify("??########"))
    return pd.Series([maker() for _ in range(n)], name=column.name, dtype=object)


def fresh_keys(column: KeyColumn, n: int, rng: np.random.Generator) -> pd.Series:
    """Unique keys that share no value with any plausible real key.

    Integer keys are ``KEY_BASE + k`` for a random permutation ``k`` (real keys are never stored
    in a model, so freshness comes from the range); text keys are ``SYN-`` plus 12 digits.
    """
    codes = rng.permutation(n).astype(np.int64)
    if column.dtype.startswith(("int", "uint", "Int", "float")):
        return pd.Series(KEY_BASE + codes, name=column.name)
    return pd.Series([f"SYN-{c:012d}" for c in codes], name=column.name)
