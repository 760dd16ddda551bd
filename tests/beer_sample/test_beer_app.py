"""The beer-sample application over HTTP: every page of the tutorial against the mock cluster.

The application runs in its own process (``python -m examples.beer_sample``, see conftest.py)
with the default generated data set; expected listings and search results are computed from
that data with the views' collation.
"""

from __future__ import annotations

import html
import re
import time
from typing import Any, Dict, List, Tuple
from urllib.parse import urlencode

import pytest
from beer_http import get, listed, post, redirect_target

from couchbase_mock.views.collation import collate, sort_key

PAGE = 30
END = "\u0fff"  # the 1.x SDK's Query.STRING_RANGE_END


def by_name(dataset: Dict[str, Dict[str, Any]], kind: str) -> List[Tuple[str, str]]:
    """``(id, name)`` of the data set's documents of a type in view order (name, then id)."""
    rows = [(key, doc["name"]) for key, doc in dataset.items() if doc["type"] == kind]
    return sorted(rows, key=lambda r: (sort_key(r[1]), r[0]))


def with_prefix(rows: List[Tuple[str, str]], value: str) -> List[Tuple[str, str]]:
    return [r for r in rows if collate(value, r[1]) <= 0 and collate(r[1], value + END) <= 0]


# ---------------------------------------------------------------------------- pages


def test_welcome_page(beer_app: Any) -> None:
    for path in ("/", "/welcome"):
        reply = get(beer_app, path)
        assert reply.status == 200 and reply.headers["content-type"].startswith("text/html")
        assert "<h4>Browse all Beers</h4>" in reply.body and 'href="/breweries"' in reply.body
        assert '<link href="/css/beersample.css" rel="stylesheet">' in reply.body
        assert '<script src="/js/beersample.js"></script>' in reply.body


def test_static_files_are_served(beer_app: Any) -> None:
    css = get(beer_app, "/css/beersample.css")
    assert (
        css.status == 200 and css.headers["content-type"].startswith("text/css") and ".btn-danger" in css.body
    )
    js = get(beer_app, "/js/beersample.js")
    assert js.status == 200 and "javascript" in js.headers["content-type"] and "/search" in js.body
    assert get(beer_app, "/css/nothing.css").status == 404


def test_beer_listing_pages_in_view_order(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    expected = by_name(dataset, "beer")
    reply = get(beer_app, "/beers")
    assert reply.status == 200
    assert listed(reply.body, "beer") == expected[:PAGE]
    brewery_links = re.findall(r'<td><a href="/breweries/show/([^"]+)">To Brewery</a></td>', reply.body)
    assert brewery_links == [dataset[key]["brewery_id"] for key, _ in expected[:PAGE]]
    # "Next" continues from the last row (startkey + startkey_docid), also across equal names
    seen = listed(reply.body, "beer")
    for _ in range(3):
        following = re.search(r'id="next-page"\s+href="([^"]+)"', reply.body)
        assert following, "no next page link"
        reply = get(beer_app, "/beers" + html.unescape(following.group(1)))
        assert reply.status == 200
        seen += listed(reply.body, "beer")
    assert seen == expected[: 4 * PAGE]


def test_show_beer(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    key = next(k for k, d in dataset.items() if d["type"] == "beer" and d["description"] and "style" in d)
    doc = dataset[key]
    reply = get(beer_app, "/beers/show/" + key)
    assert reply.status == 200
    assert (
        f"Show Details for Beer &#34;{html.escape(doc['name'], quote=False)}&#34;" in reply.body
        or f'Show Details for Beer "{html.escape(doc["name"], quote=False)}"' in reply.body
    )
    assert f'<a href="/breweries/show/{doc["brewery_id"]}">{doc["brewery_id"]}</a>' in reply.body
    for field in ("style", "category", "description", "updated"):
        assert f"<td><strong>{field}</strong></td>" in reply.body
        assert html.escape(str(doc[field])) in reply.body
    missing = get(beer_app, "/beers/show/no_such_beer")
    assert missing.status == 404 and missing.body == "No such beer no_such_beer"


@pytest.mark.parametrize("value", ["gold", "GOLD", "Golden Fa", "kru", "Krü", "st", "Saint ", "qqq", ""])
def test_beer_search_is_a_prefix_range(beer_app: Any, dataset: Dict[str, Dict[str, Any]], value: str) -> None:
    expected = with_prefix(by_name(dataset, "beer"), value)[:PAGE]
    reply = get(beer_app, "/beers/search?" + urlencode({"value": value}))
    assert reply.status == 200
    found = reply.json()
    assert [(b["id"], b["name"]) for b in found] == expected
    assert [b["brewery"] for b in found] == [dataset[b["id"]]["brewery_id"] for b in found]
    if value == "qqq":
        assert found == []
    elif value.lower() in ("gold", "kru"):
        assert found and all(b["name"].lower().replace("ü", "u").startswith(value.lower()) for b in found)


def test_search_ignores_case_and_accents_at_the_first_level(beer_app: Any) -> None:
    def names(value: str) -> List[str]:
        return [b["name"] for b in get(beer_app, "/beers/search?" + urlencode({"value": value})).json()]

    assert names("gold") == names("GOLD") == names("Gold")
    kruger = names("kru")
    assert kruger and kruger == names("Krü") and all(n.startswith("Krüger") for n in kruger)


# ---------------------------------------------------------------------------- beer forms


def _beer_form(**fields: str) -> Dict[str, str]:
    form = {
        "beer_name": "",
        "beer_description": "",
        "beer_style": "",
        "beer_category": "",
        "beer_abv": "",
        "beer_ibu": "",
        "beer_srm": "",
        "beer_upc": "",
        "beer_brewery_id": "",
    }
    form.update({"beer_" + k: v for k, v in fields.items()})
    return form


def _first_brewery(dataset: Dict[str, Dict[str, Any]]) -> str:
    return next(k for k, d in dataset.items() if d["type"] == "brewery")


def test_create_edit_and_delete_a_beer(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    brewery = _first_brewery(dataset)
    assert "Create Beer" in get(beer_app, "/beers/create").body
    form = _beer_form(
        name="Zzyzx Test Ale",
        brewery_id=brewery,
        abv="5.5",
        ibu="40",
        upc="12345",
        style="American-Style Pale Ale",
        category="North American Ale",
        description="<b>bold</b> & bitter",
    )
    created = post(beer_app, "/beers/create", form)
    beer = f"{brewery}-zzyzx_test_ale"
    assert redirect_target(created) == "/beers/show/" + beer
    shown = get(beer_app, "/beers/show/" + beer)
    assert shown.status == 200 and "Zzyzx Test Ale" in shown.body
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; bitter" in shown.body and "<b>bold</b>" not in shown.body
    assert re.search(r"<strong>abv</strong></td>\s*<td>5.5</td>", shown.body)
    assert re.search(r"<strong>upc</strong></td>\s*<td>12345</td>", shown.body)

    again = post(beer_app, "/beers/create", form)
    assert again.status == 400 and again.body == "Beer already exists!"

    # the brewery's page lists its new beer
    assert f'href="/beers/show/{beer}">Zzyzx Test Ale</a>' in get(beer_app, "/breweries/show/" + brewery).body

    # the listing's search finds it once the index caught up (views are updated after the query)
    deadline = time.monotonic() + 10
    while True:
        found = get(beer_app, "/beers/search?value=zzyzx").json()
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found == [{"id": beer, "name": "Zzyzx Test Ale", "brewery": brewery}]

    # edit: the form shows the document and the CAS it was read with
    page = get(beer_app, "/beers/edit/" + beer)
    assert page.status == 200 and "Editing Zzyzx Test Ale" in page.body
    assert 'name="beer_abv" placeholder="The beer\'s ABV" value="5.5"' in page.body
    cas = re.search(r'name="meta_cas" value="(\d+)"', page.body).group(1)
    edited = post(beer_app, "/beers/edit/" + beer, dict(form, beer_abv="6.1", meta_cas=cas))
    assert redirect_target(edited) == "/beers/show/" + beer
    shown = get(beer_app, "/beers/show/" + beer).body
    assert re.search(r"<strong>abv</strong></td>\s*<td>6.1</td>", shown)
    assert re.search(r"<strong>type</strong></td>\s*<td>beer</td>", shown)
    # a second edit from the same (now stale) form is refused: someone changed it in between
    stale = post(beer_app, "/beers/edit/" + beer, dict(form, beer_abv="7.0", meta_cas=cas))
    assert stale.status == 409 and "changed by someone else" in stale.body
    assert re.search(r"<strong>abv</strong></td>\s*<td>6.1</td>", get(beer_app, "/beers/show/" + beer).body)
    assert get(beer_app, "/beers/edit/no_such_beer").status == 404

    # delete, and the second delete finds nothing
    assert redirect_target(post(beer_app, f"/beers/delete/{beer}", {})) == "/welcome"
    assert get(beer_app, "/beers/show/" + beer).status == 404
    gone = post(beer_app, f"/beers/delete/{beer}", {})
    assert gone.status == 404 and gone.body == f"No such beers '{beer}'"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"brewery_id": "BREWERY"}, "Must have name"),
        ({"name": "Zzyzx Nameless"}, "Must have brewery ID"),
        ({"name": "Zzyzx Orphan", "brewery_id": "no_such_brewery"}, "Brewery ID no_such_brewery not found"),
        (
            {"name": "Zzyzx Strong", "brewery_id": "BREWERY", "abv": "strong"},
            "ABV must be a number, got 'strong'",
        ),
        ({"name": "Zzyzx Beer Of Beer", "brewery_id": "A_BEER"}, "Brewery ID A_BEER not found"),
        ({"name": "!?!", "brewery_id": "BREWERY"}, "The name needs a letter or digit"),
    ],
)
def test_beer_form_is_checked(
    beer_app: Any, dataset: Dict[str, Dict[str, Any]], fields: Dict[str, str], message: str
) -> None:
    a_beer = next(k for k, d in dataset.items() if d["type"] == "beer")
    swap = {"BREWERY": _first_brewery(dataset), "A_BEER": a_beer}
    fields = {k: swap.get(v, v) for k, v in fields.items()}
    message = message.replace("A_BEER", a_beer)
    reply = post(beer_app, "/beers/create", _beer_form(**fields))
    assert (reply.status, reply.body) == (400, message)


def test_delete_routes(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    missing = get(beer_app, "/beers/delete/nonexistent")  # the tutorial's example: a 404
    assert missing.status == 404 and missing.body == "No such beers 'nonexistent'"
    assert get(beer_app, "/foo/delete/whatever").status == 404
    # a beer page or delete route given a brewery's id (or the other way round) finds no such thing
    brewery = _first_brewery(dataset)
    a_beer = next(k for k, d in dataset.items() if d["type"] == "beer")
    assert post(beer_app, "/beers/delete/" + brewery, {}).status == 404
    assert post(beer_app, "/breweries/delete/" + a_beer, {}).status == 404
    assert get(beer_app, "/beers/show/" + brewery).status == 404
    assert get(beer_app, "/breweries/edit/" + a_beer).status == 404
    assert get(beer_app, "/breweries/show/" + brewery).status == 200
    assert get(beer_app, "/beers/show/" + a_beer).status == 200


def test_ids_of_new_documents_are_url_safe(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    brewery = _first_brewery(dataset)
    reply = post(beer_app, "/beers/create", _beer_form(name="Zzyzx A/B Ale?", brewery_id=brewery))
    key = f"{brewery}-zzyzx_a_b_ale"
    assert redirect_target(reply) == "/beers/show/" + key
    assert "Zzyzx A/B Ale?" in get(beer_app, "/beers/show/" + key).body
    assert redirect_target(post(beer_app, "/beers/delete/" + key, {})) == "/welcome"


# ---------------------------------------------------------------------------- breweries


def test_brewery_listing_and_page(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    expected = by_name(dataset, "brewery")
    reply = get(beer_app, "/breweries")
    assert reply.status == 200 and listed(reply.body, "brewery") == expected[:PAGE]
    following = re.search(r'id="next-page"\s+href="([^"]+)"', reply.body).group(1)
    assert (
        listed(get(beer_app, "/breweries" + html.unescape(following)).body, "brewery")
        == expected[PAGE : 2 * PAGE]
    )

    key, name = expected[3]
    doc = dataset[key]
    page = get(beer_app, "/breweries/show/" + key).body
    assert html.escape(name, quote=False) in page
    for field in ("city", "country", "code"):
        assert html.escape(doc[field], quote=False) in page
    beers = sorted(
        html.unescape(n)
        for n in re.findall(
            r'<li><a href="/beers/show/[^"]+">([^<]*)</a>',
            re.search(r'<ul id="brewery-beers">.*?</ul>', page, re.S).group(0),
        )
    )
    assert beers == sorted(
        d["name"] for d in dataset.values() if d["type"] == "beer" and d["brewery_id"] == key
    )
    assert get(beer_app, "/breweries/show/no_such_brewery").status == 404


@pytest.mark.parametrize("value", ["brau", "Brasserie d", "pivovar p", "abbaye", "zzz"])
def test_brewery_search(beer_app: Any, dataset: Dict[str, Dict[str, Any]], value: str) -> None:
    expected = with_prefix(by_name(dataset, "brewery"), value)[:PAGE]
    found = get(beer_app, "/breweries/search?" + urlencode({"value": value})).json()
    assert [(b["id"], b["name"]) for b in found] == expected
    assert bool(found) == (value != "zzz")


def _brewery_form(**fields: str) -> Dict[str, str]:
    form = {
        f"brewery_{k}": ""
        for k in (
            "name",
            "description",
            "website",
            "phone",
            "address",
            "city",
            "state",
            "code",
            "country",
            "lat",
            "lon",
        )
    }
    form.update({"brewery_" + k: v for k, v in fields.items()})
    return form


def test_create_edit_and_delete_a_brewery(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    form = _brewery_form(
        name="Zzyzx Test Brewery",
        city="Zzyzx",
        state="California",
        country="United States",
        address="1 Zzyzx Road\nUnit 2",
        website="javascript:alert(1)",
        lat="35.14",
        lon="-116.1",
    )
    key = "zzyzx_test_brewery"
    assert redirect_target(post(beer_app, "/breweries/create", form)) == "/breweries/show/" + key
    page = get(beer_app, "/breweries/show/" + key).body
    assert "Zzyzx Test Brewery" in page and "1 Zzyzx Road, Unit 2" in page and "35.14, -116.1" in page
    assert 'href="javascript:' not in page  # only http(s) websites become links
    assert "No beers yet." in page
    assert post(beer_app, "/breweries/create", form).status == 400

    edit = get(beer_app, "/breweries/edit/" + key).body
    cas = re.search(r'name="meta_cas" value="(\d+)"', edit).group(1)
    assert 'value="35.14"' in edit and "1 Zzyzx Road\nUnit 2</textarea>" in edit
    bad = post(beer_app, "/breweries/edit/" + key, dict(form, brewery_lat="north", meta_cas=cas))
    assert bad.status == 400 and "Latitude and longitude must both be numbers" in bad.body
    far = post(beer_app, "/breweries/edit/" + key, dict(form, brewery_lat="95", meta_cas=cas))
    assert far.status == 400
    assert redirect_target(
        post(
            beer_app,
            "/breweries/edit/" + key,
            dict(form, brewery_city="Baker", brewery_lat="", brewery_lon="", meta_cas=cas),
        )
    )
    page = get(beer_app, "/breweries/show/" + key).body
    assert "Baker" in page and "<strong>geo</strong>" not in page
    assert post(beer_app, "/breweries/edit/" + key, dict(form, meta_cas=cas)).status == 409

    assert redirect_target(post(beer_app, "/breweries/delete/" + key, {})) == "/welcome"
    assert get(beer_app, "/breweries/show/" + key).status == 404


def test_a_brewery_with_beers_is_not_deleted(beer_app: Any, dataset: Dict[str, Dict[str, Any]]) -> None:
    brewery = _first_brewery(dataset)
    reply = post(beer_app, "/breweries/delete/" + brewery, {})
    assert reply.status == 409 and "still has beers" in reply.body
    assert get(beer_app, "/breweries/show/" + brewery).status == 200
