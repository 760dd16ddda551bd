"""The design documents the beer-sample application queries.

``beer/by_name`` and ``brewery/by_name`` are the two views the 1.x guide's tutorial creates
("Preparing the Views"); ``beer/brewery_beers`` (a brewery, then its beers) and
``beer/by_location`` (breweries by country, state and city, with a ``_count`` reduce) are the
ones the beer-sample bucket ships with, which the guide's view examples query and the
application uses to list a brewery's beers.
"""

from __future__ import annotations

from typing import Any, Dict

__all__ = ["DESIGN_DOCS"]

BEER_BY_NAME = """function (doc, meta) {
  if (doc.type && doc.type == "beer") {
    emit(doc.name, null);
  }
}"""

BREWERY_BY_NAME = """function (doc, meta) {
  if (doc.type && doc.type == "brewery") {
    emit(doc.name, null);
  }
}"""

BREWERY_BEERS = """function (doc, meta) {
  if (doc.type == "brewery") {
    emit([meta.id], null);
  } else if (doc.type == "beer" && doc.brewery_id) {
    emit([doc.brewery_id, meta.id], null);
  }
}"""

BY_LOCATION = """function (doc, meta) {
  if (doc.type == "brewery" && doc.country) {
    emit([doc.country, doc.state || null, doc.city || null], 1);
  }
}"""

DESIGN_DOCS: Dict[str, Dict[str, Any]] = {
    "beer": {
        "views": {
            "by_name": {"map": BEER_BY_NAME},
            "brewery_beers": {"map": BREWERY_BEERS},
            "by_location": {"map": BY_LOCATION, "reduce": "_count"},
        }
    },
    "brewery": {
        "views": {
            "by_name": {"map": BREWERY_BY_NAME},
        }
    },
}
