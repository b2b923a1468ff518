"""Random, truncated and mistyped JSON bodies only ever raise ProtocolError from the mappers."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
import tempfile
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
import pytest

from custom_components.camhub.providers.decode import parse_body
from custom_components.camhub.providers.errors import ProtocolError

from .samples import MAPPERS

# Hypothesis caches (unicode tables, constants) go to the temp dir, not the work tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "camhub-hypothesis")
NAMES = sorted(MAPPERS)
FUZZ = settings(
    max_examples=400,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def run(name: str, body: bytes) -> None:
    """Decode and map; the only failure allowed is ProtocolError."""
    mapper, _ = MAPPERS[name]
    with contextlib.suppress(ProtocolError):
        mapper(parse_body(body, name))


@pytest.mark.parametrize("name", NAMES)
def test_valid_samples_map(name: str) -> None:
    mapper, sample = MAPPERS[name]
    assert mapper(parse_body(json.dumps(sample), name)) is not None


@FUZZ
@given(name=st.sampled_from(NAMES), value=json_values)
def test_random_json(name: str, value: Any) -> None:
    run(name, json.dumps(value).encode())


@FUZZ
@given(name=st.sampled_from(NAMES), cut=st.floats(0, 1, exclude_max=True))
def test_truncated_json(name: str, cut: float) -> None:
    body = json.dumps(MAPPERS[name][1]).encode()
    truncated = body[: int(len(body) * cut)]
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parse_body(truncated, name)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += _paths(child, (*prefix, index))
    return paths


def _replace(value: Any, path: tuple[Any, ...], new: Any, *, delete: bool) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    if delete and not rest:
        del copy[head]
        return copy
    copy[head] = _replace(copy[head], tuple(rest), new, delete=delete)
    return copy


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data(), new=json_values, delete=st.booleans())
def test_mistyped_and_missing_fields(
    name: str, data: st.DataObject, new: Any, delete: bool
) -> None:
    sample = MAPPERS[name][1]
    path = data.draw(st.sampled_from(_paths(sample)))
    mutated = _replace(sample, path, new, delete=delete and bool(path))
    run(name, json.dumps(mutated).encode())
