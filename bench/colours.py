"""One fixed colour per contender, so a contender looks the same in every plot of every run.

Families share a hue: the default configuration is the saturated colour, its
``-notrace`` variant the light tint, its ``-pypy`` twin the dark shade; the
official SDK is cyan/brown/grey, the floor black, cbc-pillowfight yellow.
"""
from __future__ import annotations

import zlib

PALETTE = {
    "blocking": "#1f77b4", "blocking-notrace": "#aec7e8", "blocking-pypy": "#08306b",
    "raw": "#d62728", "raw-pypy": "#67000d",
    "acouchbase": "#2ca02c", "acouchbase-notrace": "#98df8a", "acouchbase-uvloop": "#bcbd22",
    "acouchbase-pypy": "#00441b",
    "tx-deferred": "#9467bd", "tx-deferred-notrace": "#c5b0d5", "tx-deferred-pypy": "#3f007d",
    "tx-raw": "#e377c2", "tx-raw-pypy": "#8c1d5e",
    "gcouchbase": "#ff7f0e", "gcouchbase-pypy": "#7f3b08",
    "official-blocking": "#17becf", "official-blocking-notrace": "#9edae5",
    "official-acouchbase": "#8c564b", "official-acouchbase-notrace": "#c49c94",
    "official-txcouchbase": "#7f7f7f", "official-txcouchbase-notrace": "#c7c7c7",
    "floor": "#000000", "pillowfight": "#f3c300",
}
# for a contender added without a palette entry: stable across runs (a hash of the name, not of the order)
_SPARE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c",
          "#008080", "#9a6324", "#800000", "#808000", "#000075", "#fabebe", "#e6beff", "#aaffc3"]


def colour(name: str) -> str:
    """The contender's colour (a ``#rrggbb`` string)."""
    return PALETTE.get(name) or _SPARE[zlib.crc32(name.encode()) % len(_SPARE)]
