"""Hypothesis strategies from the JSON Schema subset pydantic emits.

Small on purpose (objects, strings with length/pattern/format, numbers with
bounds, booleans, null, arrays, enums, anyOf, $ref): enough to generate both
valid requests and near-misses for every operation in the OpenAPI document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]


def strategy(schema: Json, defs: Json) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return strategy(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return st.one_of([strategy(option, defs) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, defs)
    if kind == "array":
        item = strategy(schema.get("items", {}), defs)
        return st.lists(
            item, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 5), 5)
        )
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.none() | st.integers() | st.text(max_size=10)


def _object(schema: Json, defs: Json) -> st.SearchStrategy[Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {name: strategy(p, defs) for name, p in properties.items() if name in required},
        optional={
            name: strategy(p, defs) for name, p in properties.items() if name not in required
        },
    )


def _string(schema: Json) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        moments = st.datetimes(
            min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        )
        return moments.map(lambda d: d.isoformat())
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 64), 64)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda s: low <= len(s) <= schema.get("maxLength", 10**6)
        )
    return st.text(min_size=low, max_size=max(low, high))
