"""Find the rules of a real table from its training rows: vectorised, once, at schema time.

A rule is mined only where the data gives evidence for it, so that it is structure of the
table and not noise of the sample: a dependency needs groups of at least :data:`MIN_GROUP`
rows on average; a forbidden cell needs independence to expect at least
:data:`MIN_EXPECTED` rows there; an order needs independence to expect
:data:`MIN_EXPECTED_ORDER` violations.
Near-rules (a few real exceptions, at most :data:`MAX_EXCEPTION_SHARE` of rows and a
twentieth of what independence expects) carry their real rate as ``tolerance``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from synth.schema import Column, Kind, Rule, Schema

MIN_GROUP = 5
MAX_SINGLETON_SHARE = 0.02
MIN_EXPECTED = 80.0  # at most 4 % of what independence expects, at 95 % (docs/rules.md)
MIN_EXPECTED_ORDER = 10.0
MAX_EXCEPTION_SHARE = 0.0002
EXCEPTION_FACTOR = 200.0
MAX_COMBINATIONS = 1000  # and at most one per ten training rows
MAX_GROUP_COLUMNS = 4
MIN_NULLS = 5
MAX_VALUES = 20
NULL_TOKEN = None

_ORDERED = (Kind.NUMERIC, Kind.INTEGER, Kind.DATETIME)
_LEVELS = (Kind.CATEGORICAL, Kind.BOOLEAN)


def mine_rules(train: pd.DataFrame, schema: Schema) -> tuple[Rule, ...]:
    """Every rule the training rows show, in a stable order (same rows, same rules)."""
    columns = [c for c in schema.modelled if c.name in train.columns]
    codes = {c.name: _codes(train[c.name]) for c in columns}
    depends = _dependencies(train, columns, codes)
    derived = {r.columns[1] for r in depends}
    rules = [*depends]
    rules += _combinations(train, [c for c in columns if c.name not in derived], codes)
    rules += _orders(train, [c for c in columns if c.kind in _ORDERED])
    rules += _identities(train, [c for c in columns if c.kind in (Kind.NUMERIC, Kind.INTEGER)], derived)
    rules += _null_patterns(train, columns)
    rules += _value_sets(train, [c for c in columns if c.kind in (Kind.NUMERIC, Kind.INTEGER)], derived)
    rules += [Rule("integer", (c.name,)) for c in columns if c.kind is Kind.INTEGER]
    rules += _ranges(train, [c for c in columns if c.bounds])
    return tuple(rules)


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def plain(value):
    """A value as JSON stores it (``None`` for missing, numpy scalars as Python ones)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return NULL_TOKEN
    if isinstance(value, np.generic):
        return value.item()
    return value


def _dependencies(train: pd.DataFrame, columns: list[Column], codes: dict) -> list[Rule]:
    """B = f(A) on every training row, with well-populated groups of A. For one-to-one maps
    only the direction from the earlier column (by distinct count, then position) is kept as
    the rule that derives; the other is implied.
    """
    n = len(train)
    order = sorted(range(len(columns)), key=lambda i: (-codes[columns[i].name][1], i))
    rules, derived = [], set()
    for i in order:
        a = columns[i]
        a_codes, a_levels = codes[a.name]
        if a.kind is Kind.DATETIME or a.name in derived or a_levels < 2 or n / a_levels < MIN_GROUP:
            continue
        sizes = np.bincount(a_codes, minlength=a_levels)
        if sizes[a_codes].__eq__(1).mean() > MAX_SINGLETON_SHARE:
            continue
        for b in columns:
            b_codes, b_levels = codes[b.name]
            if b is a or b.name in derived or b.kind is Kind.DATETIME or b_levels < 2 or b_levels > a_levels:
                continue
            pairs = np.unique(a_codes * b_levels + b_codes)
            if len(pairs) != a_levels:
                continue
            frame = pd.DataFrame({"a": train[a.name], "b": train[b.name]})
            table = frame.groupby("a", dropna=False, sort=True)["b"].agg(["first", "size"])
            mapping = [
                [plain(k), plain(v), int(s)]
                for k, v, s in zip(table.index, table["first"], table["size"], strict=False)
            ]
            rules.append(Rule("depends", (a.name, b.name), {"map": mapping}))
            derived.add(b.name)
    return rules


def _combinations(train: pd.DataFrame, columns: list[Column], codes: dict) -> list[Rule]:
    """Category pairs that (almost) never occur although independence expects many rows,
    grouped into sets of columns whose observed combinations are kept whole.
    """
    n = len(train)
    levels = [c for c in columns if c.kind in _LEVELS]
    limit = int(np.floor(MAX_EXCEPTION_SHARE * n))
    cells: dict[tuple[str, str], list] = {}
    for a, b in itertools.combinations(levels, 2):
        (ac, ak), (bc, bk) = codes[a.name], codes[b.name]
        counts = np.bincount(ac * bk + bc, minlength=ak * bk).reshape(ak, bk)
        expected = np.outer(counts.sum(1), counts.sum(0)) / n
        forbidden = (counts <= limit) & (expected >= MIN_EXPECTED) & (counts * EXCEPTION_FACTOR <= expected)
        if forbidden.any():
            ua, ub = (
                pd.factorize(train[a.name], use_na_sentinel=False)[1],
                pd.factorize(train[b.name], use_na_sentinel=False)[1],
            )
            rows, cols = np.nonzero(forbidden)
            cells[(a.name, b.name)] = [
                [plain(ua[i]), plain(ub[j]), int(counts[i, j])] for i, j in zip(rows, cols, strict=False)
            ]
    groups = _groups(train, cells)
    rules = [group_rule(train, group, cells) for group in groups]
    for (a, b), found in cells.items():
        if not any(a in g and b in g for g in groups):
            forbidden = [[a, b, *cell] for cell in found]
            rate = sum(cell[-1] for cell in found) / n
            rules.append(Rule("combination", (a, b), {"forbidden": forbidden}, tolerance=rate))
    return rules


def _groups(train: pd.DataFrame, cells: dict) -> list[list[str]]:
    """Union the columns of forbidden pairs, strongest pairs first, while a group's observed
    combinations stay few enough to model as one categorical column.
    """
    groups: list[list[str]] = []
    names = list(train.columns)
    strength = sorted(cells, key=lambda pair: -sum(1 for _ in cells[pair]))
    for a, b in strength:
        ga = next((g for g in groups if a in g), [a])
        gb = next((g for g in groups if b in g), [b])
        if ga is gb:
            continue
        merged = sorted({*ga, *gb}, key=names.index)
        combos = len(train[merged].drop_duplicates())
        if len(merged) > MAX_GROUP_COLUMNS or combos > min(MAX_COMBINATIONS, len(train) / 10):
            continue
        groups = [g for g in groups if g is not ga and g is not gb] + [merged]
    return groups


def group_rule(train: pd.DataFrame, group: list[str], cells: dict) -> Rule:
    """The combination rule of ``group``: its forbidden cells and its observed combinations."""
    forbidden = [
        [a, b, *cell] for (a, b), found in cells.items() if a in group and b in group for cell in found
    ]
    broken = np.zeros(len(train), dtype=bool)
    for a, b, va, vb, _ in forbidden:
        broken |= _equals(train[a], va) & _equals(train[b], vb)
    kept = train.loc[~broken, group]
    table = kept.value_counts(dropna=False, sort=True)
    combos = [[*map(plain, key), int(count)] for key, count in table.items()]
    params = {"forbidden": forbidden, "combos": combos}
    return Rule("combination", tuple(group), params, tolerance=float(broken.mean()))


def _equals(values: pd.Series, value) -> np.ndarray:
    if value is NULL_TOKEN:
        return values.isna().to_numpy()
    return (values == value).to_numpy()


def _orders(train: pd.DataFrame, columns: list[Column]) -> list[Rule]:
    """Low <= high where independence would break it on many rows and the data (almost) never."""
    n = len(train)
    limit = int(np.floor(MAX_EXCEPTION_SHARE * n))
    numbers = {c.name: _as_number(train[c.name]) for c in columns}
    rules = []
    for a, b in itertools.permutations(columns, 2):
        if (a.kind is Kind.DATETIME) != (b.kind is Kind.DATETIME):
            continue
        low, high = numbers[a.name], numbers[b.name]
        both = ~(np.isnan(low) | np.isnan(high))
        if both.sum() < MIN_GROUP:
            continue
        broken = int((low[both] > high[both]).sum())
        equal = int((low[both] == high[both]).sum())
        if broken > limit or equal == both.sum():
            continue
        sorted_high = np.sort(high[both])
        chance = np.searchsorted(sorted_high, low[both], side="left").mean() / len(sorted_high)
        expected = chance * both.sum()
        if expected < MIN_EXPECTED_ORDER or broken * EXCEPTION_FACTOR > expected:
            continue
        rules.append(Rule("order", (a.name, b.name), {}, tolerance=broken / n))
    return rules


def _as_number(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        days = (values - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
        return days.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _identities(train: pd.DataFrame, columns: list[Column], derived: set[str]) -> list[Rule]:
    """A * B = C or A + B = C on every row where all three are set, within C's rounding."""
    numbers = {c.name: _as_number(train[c.name]) for c in columns}
    rules, computed = [], set()
    for c in columns:
        if c.name in derived:
            continue
        target = numbers[c.name]
        tolerance = 0.5 * _resolution(target) + 1e-9 * np.nanmax(np.abs(target))
        for a, b in itertools.combinations([x for x in columns if x is not c], 2):
            if c.name in computed or {a.name, b.name} & computed:
                break
            x, y = numbers[a.name], numbers[b.name]
            rows = ~(np.isnan(x) | np.isnan(y) | np.isnan(target))
            if rows.sum() < MIN_GROUP:
                continue
            for op, value in (("*", x * y), ("+", x + y)):
                if np.all(np.abs(value[rows] - target[rows]) <= tolerance):
                    rules.append(
                        Rule("identity", (a.name, b.name, c.name), {"op": op, "within": float(tolerance)})
                    )
                    computed.add(c.name)
                    break
    return rules


def _resolution(values: np.ndarray) -> float:
    present = values[~np.isnan(values)]
    for decimals in range(7):
        if np.allclose(present, np.round(present, decimals), rtol=0, atol=1e-9):
            return 10.0**-decimals
    return 0.0


def _null_patterns(train: pd.DataFrame, columns: list[Column]) -> list[Rule]:
    """B missing exactly when A is missing, or exactly when A has one value."""
    missing = {c.name: train[c.name].isna().to_numpy() for c in columns}
    rules, explained = [], set()
    for b in columns:
        gaps = missing[b.name]
        if gaps.sum() < MIN_NULLS or gaps.all():
            continue
        for a in columns:
            if a is b or a.name in explained:
                continue
            if missing[a.name].any() and np.array_equal(missing[a.name], gaps):
                if columns.index(a) < columns.index(b):
                    rules.append(Rule("nulls", (a.name, b.name)))
                    explained.add(b.name)
                break
            if a.kind in _LEVELS and not missing[a.name].any():
                seen = train.loc[gaps, a.name].unique()
                if len(seen) == 1 and np.array_equal((train[a.name] == seen[0]).to_numpy(), gaps):
                    rules.append(Rule("nulls", (a.name, b.name), {"value": plain(seen[0])}))
                    explained.add(b.name)
                    break
    return rules


def _ranges(train: pd.DataFrame, columns: list[Column]) -> list[Rule]:
    """The schema's widened bounds, on the sides the data shows: an extreme that
    :data:`MIN_GROUP` rows share (a capped gain of 99,999), or a non-negative column's floor of 0.
    The lone maximum of a long tail (a weight, a balance) is no bound: unseen rows pass it.
    """
    rules = []
    for column in columns:
        values = train[column.name].dropna()
        low, high = column.bounds
        low_shown = low == 0 or int((values == values.min()).sum()) >= MIN_GROUP
        high_shown = int((values == values.max()).sum()) >= MIN_GROUP
        if low_shown or high_shown:
            bounds = [low if low_shown else None, high if high_shown else None]
            rules.append(Rule("range", (column.name,), {"bounds": bounds}))
    return rules


def _value_sets(train: pd.DataFrame, columns: list[Column], derived: set[str]) -> list[Rule]:
    """Numbers that take a few values only, each on many rows (loan durations of 12, 24, …
    months): the set of values is the rule, and models learn such a column as categories.
    """
    rules = []
    for column in columns:
        counts = train[column.name].value_counts(dropna=True)
        if column.name in derived or not 2 <= len(counts) <= MAX_VALUES or counts.min() < MIN_GROUP:
            continue
        values = sorted(plain(v) for v in counts.index)
        rules.append(Rule("values", (column.name,), {"values": values}))
    return rules
