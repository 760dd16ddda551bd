"""The beer-sample-like data set: its shape is the sample's, and a seed always gives the same set."""

from __future__ import annotations

import collections
import re
from typing import Any, Dict

import pytest

from examples.beer_sample.data import BEERS, BREWERIES, STYLES, beer_id, generate, slug
from examples.beer_sample.design import DESIGN_DOCS

BEER_FIELDS = {
    "name": str,
    "abv": (int, float),
    "ibu": (int, float),
    "srm": (int, float),
    "upc": int,
    "type": str,
    "brewery_id": str,
    "updated": str,
    "description": str,
}
BREWERY_FIELDS = {
    "name": str,
    "city": str,
    "state": str,
    "code": str,
    "country": str,
    "phone": str,
    "website": str,
    "type": str,
    "updated": str,
    "description": str,
    "address": list,
}


def test_default_size_and_determinism(dataset: Dict[str, Dict[str, Any]]) -> None:
    docs = list(generate())
    assert len(docs) == BREWERIES + BEERS == 7303
    assert len({key for key, _ in docs}) == len(docs)  # ids are unique
    assert docs == list(generate())  # the same seed, the same documents in the same order
    assert docs != list(generate(seed=1))
    assert dict(docs) == dataset  # the tests' application data is this default set
    kinds = collections.Counter(doc["type"] for _, doc in docs)
    assert kinds == {"brewery": BREWERIES, "beer": BEERS}


def test_documents_have_the_sample_fields_and_id_forms(dataset: Dict[str, Dict[str, Any]]) -> None:
    styles = {style: category for style, category, _abv in STYLES}
    breweries = {key for key, doc in dataset.items() if doc["type"] == "brewery"}
    for key, doc in dataset.items():
        fields = BEER_FIELDS if doc["type"] == "beer" else BREWERY_FIELDS
        for field, kind in fields.items():
            assert isinstance(doc[field], kind), (key, field, doc[field])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", doc["updated"])
        if doc["type"] == "brewery":
            assert key == slug(doc["name"]) and re.fullmatch(r"[a-z0-9_]+", key)
            if "geo" in doc:
                assert set(doc["geo"]) == {"accuracy", "lat", "lon"}
                assert -90 <= doc["geo"]["lat"] <= 90 and -180 <= doc["geo"]["lon"] <= 180
        else:
            assert doc["brewery_id"] in breweries
            assert key == beer_id(doc["brewery_id"], doc["name"]) and key.startswith(doc["brewery_id"] + "-")
            if "style" in doc:
                assert styles[doc["style"]] == doc["category"]
            assert 0 <= doc["abv"] < 30


def test_the_gaps_and_spread_of_the_sample(dataset: Dict[str, Dict[str, Any]]) -> None:
    beers = [d for d in dataset.values() if d["type"] == "beer"]
    breweries = [d for d in dataset.values() if d["type"] == "brewery"]
    # as in the sample: unclassified beers, empty descriptions, zero IBU/SRM/UPC, breweries without geo
    assert 0.05 < sum("style" not in b for b in beers) / len(beers) < 0.2
    assert 0.3 < sum(b["description"] == "" for b in beers) / len(beers) < 0.6
    assert sum(b["ibu"] == 0 for b in beers) > len(beers) / 2
    assert 0.02 < sum("geo" not in b for b in breweries) / len(breweries) < 0.2
    per_brewery = collections.Counter(b["brewery_id"] for b in beers)
    assert len(per_brewery) == len(breweries)  # every brewery has beers
    assert max(per_brewery.values()) >= 15 and min(per_brewery.values()) == 1
    countries = collections.Counter(b["country"] for b in breweries)
    assert countries.most_common(1)[0][0] == "United States" and len(countries) >= 10
    assert any(not name.isascii() for name in (d["name"] for d in dataset.values()))  # ü, é, ö ...


def test_small_sets_and_bad_arguments() -> None:
    docs = list(generate(seed=5, breweries=3, beers=10))
    assert [d["type"] for _, d in docs] == ["brewery"] * 3 + ["beer"] * 10
    assert list(generate(seed=5, breweries=2, beers=0)) == docs[:2]
    with pytest.raises(ValueError, match="breweries=0"):
        list(generate(breweries=0))
    with pytest.raises(ValueError, match="beers=-1"):
        list(generate(beers=-1))


def test_design_documents_are_the_tutorials() -> None:
    assert set(DESIGN_DOCS) == {"beer", "brewery"}
    assert "by_name" in DESIGN_DOCS["beer"]["views"] and "by_name" in DESIGN_DOCS["brewery"]["views"]
    assert 'doc.type == "beer"' in DESIGN_DOCS["beer"]["views"]["by_name"]["map"]
    assert "emit(doc.name, null)" in DESIGN_DOCS["brewery"]["views"]["by_name"]["map"]
