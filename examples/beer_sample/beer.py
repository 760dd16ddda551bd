"""The beer-sample web application of the Couchbase Python SDK 1.x guide's tutorial.

A Flask application over the ``beer-sample`` bucket, written with the 1.x API as the tutorial
writes it (``Couchbase.connect``, ``db.query(design, view, row_processor=...)``,
``couchbase.views.params.Query``, ``get(quiet=True)``, ``add``/``set``/``delete`` and the 1.x
exceptions): a welcome page; beers and breweries listed by name (``beer/by_name``,
``brewery/by_name``), shown, edited, created and deleted; and a search box that filters the
list as you type through the prefix range ``[value, value + Query.STRING_RANGE_END]``.

Where the tutorial's code has a slip, this version does what the text says instead: the
delete route starts with ``/``; the row processor drops the beers whose documents are gone
(the tutorial's refers to a variable before setting it); edited documents keep their ``type``
(without it a beer left the ``beer/by_name`` view on its first edit) and store ABV, IBU, SRM
and UPC as numbers. It also takes up some of the tutorial's "Food For Thought": a brewery
page lists its beers (``beer/brewery_beers``), a brewery with beers cannot be deleted, and
concurrent edits are detected with CAS (the edit form carries the CAS it was made from).

Configuration (Flask's ``app.config``, from the environment): ``BEER_SAMPLE_BUCKET``
(``beer-sample``), ``BEER_SAMPLE_HOST`` (``localhost``), ``BEER_SAMPLE_PORT`` (8091),
``BEER_SAMPLE_USERNAME`` (unset: the bucket's name, as 1.x clients log in) and
``BEER_SAMPLE_PASSWORD`` (the bucket's password). ``python -m examples.beer_sample``
starts a mock cluster, loads the data and serves this application.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any, Dict, List, Optional, Tuple

from flask import Flask, Response, redirect, render_template, request

from couchbase import Couchbase
from couchbase.exceptions import KeyExistsError, NotFoundError
from couchbase.views.iterator import RowProcessor
from couchbase.views.params import Query
from examples.beer_sample.data import beer_id as make_beer_id
from examples.beer_sample.data import slug

DATABASE = os.environ.get("BEER_SAMPLE_BUCKET", "beer-sample")
HOST = os.environ.get("BEER_SAMPLE_HOST", "localhost")
PORT = int(os.environ.get("BEER_SAMPLE_PORT", "8091"))
USERNAME = os.environ.get("BEER_SAMPLE_USERNAME") or None
PASSWORD = os.environ.get("BEER_SAMPLE_PASSWORD") or None
ENTRIES_PER_PAGE = 30

app = Flask(__name__, static_url_path="")
app.config.from_object(__name__)


def connect_db() -> Any:
    """The application's one Connection (1.x connections are thread-safe)."""
    return Couchbase.connect(
        bucket=app.config["DATABASE"],
        host=app.config["HOST"],
        port=app.config["PORT"],
        username=app.config["USERNAME"],
        password=app.config["PASSWORD"],
    )


db = connect_db()


# ---------------------------------------------------------------------------- welcome


@app.route("/")
def welcome() -> str:
    return render_template("welcome.html")


app.add_url_rule("/welcome", view_func=welcome)


# ---------------------------------------------------------------------------- rows


class Beer:
    """A beer of a listing (id and name from the view row) or of a page (with its document)."""

    brewery_id: str  # set on a listing's beers; otherwise read from the document (__getattr__)

    def __init__(self, id: str, name: str, doc: Optional[Dict[str, Any]] = None) -> None:  # noqa: A002
        self.id = id
        self.name = name
        self.brewery = None
        self.doc = doc

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not set above: the document's fields ("" when absent)
        if not self.doc:
            return ""
        return self.doc.get(name, "")


class Brewery(Beer):
    """A brewery: the same shape as a beer."""


class BeerListRowProcessor:
    """The row processor for listing beers (with their brewery IDs).

    ``beer/by_name`` emits only the name; the brewery ID is in the document, so the documents of
    a page of rows are fetched in one ``get_multi``. A row whose document is gone (the index can
    lag behind a delete) is left out.
    """

    def handle_rows(self, rows: List[Dict[str, Any]], connection: Any, include_docs: bool) -> List[Beer]:
        ret = []
        by_docids = {}

        for r in rows:
            b = Beer(r["id"], r["key"])
            ret.append(b)
            by_docids[b.id] = b

        keys_to_fetch = [x.id for x in ret]
        docs = connection.get_multi(keys_to_fetch, quiet=True) if keys_to_fetch else {}

        for beer_id, doc in docs.items():
            beer = by_docids[beer_id]
            if not doc.success:
                ret.remove(beer)
                continue
            beer.brewery_id = doc.value.get("brewery_id", "")

        return ret


class BreweryListRowProcessor(RowProcessor):
    """Rows of ``brewery/by_name`` as Brewery objects (the name is the key; no fetch needed)."""

    def handle_rows(self, rows: List[Dict[str, Any]], connection: Any, include_docs: bool) -> List[Brewery]:
        return [Brewery(r["id"], r["key"]) for r in rows]


def _page(design: str, row_processor: Any) -> Tuple[List[Any], Optional[Dict[str, str]]]:
    """One page of a by-name listing, from ``?start=<name>&start_id=<id>``; the next page's start.

    Pages continue from a key and document id (``startkey`` + ``startkey_docid``) rather than
    with ``skip``, which the view engine would have to walk.
    """
    q = Query(limit=ENTRIES_PER_PAGE + 1)
    start, start_id = request.args.get("start"), request.args.get("start_id")
    if start is not None:
        q.startkey = start
        if start_id:
            q.startkey_docid = start_id
    items = list(db.query(design, "by_name", row_processor=row_processor, query=q))
    following = None
    if len(items) > ENTRIES_PER_PAGE:
        last = items.pop()
        following = {"start": last.name, "start_id": last.id}
    return items, following


def return_search_json(ret: Any) -> Response:
    response = app.make_response(json.dumps(ret))
    response.headers["Content-Type"] = "application/json"
    return response


def _search(design: str, row_processor: Any) -> List[Any]:
    """Rows of ``<design>/by_name`` whose name starts with ``?value=`` (any case or accents)."""
    value = request.args.get("value", "")
    q = Query()
    q.mapkey_range = [value, value + Query.STRING_RANGE_END]
    q.limit = ENTRIES_PER_PAGE
    return list(db.query(design, "by_name", row_processor=row_processor, query=q))


def _fetch(key: str, kind: str) -> Any:
    """The result of ``key`` when it is a document of type ``kind`` ("beer", "brewery"), else None."""
    result = db.get(key, quiet=True)
    if not result.success or not isinstance(result.value, dict) or result.value.get("type") != kind:
        return None
    return result


def _now() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def _form_cas() -> Any:
    # "meta_cas": a name the tutorial's normalize_beer_fields splits and skips (not "beer_...")
    cas = request.form.get("meta_cas", "")
    return int(cas) if cas.isdigit() else 0


# ---------------------------------------------------------------------------- beers


@app.route("/beers")
def beers() -> str:
    rows, following = _page("beer", BeerListRowProcessor())
    return render_template(
        "beer/index.html", results=rows, following=following, search=request.args.get("q", "")
    )


@app.route("/beers/show/<beer_id>")
def show_beer(beer_id: str) -> Any:
    doc = _fetch(beer_id, "beer")
    if doc is None:
        return "No such beer {0}".format(beer_id), 404

    return render_template("beer/show.html", beer=Beer(beer_id, doc.value.get("name", beer_id), doc.value))


NUMBER_FIELDS = {"abv": float, "ibu": float, "srm": float, "upc": int}


def normalize_beer_fields(form: Any) -> Tuple[Optional[Dict[str, Any]], Any]:
    """The beer document of a submitted form, or ``(None, (message, status))``."""
    doc: Dict[str, Any] = {}
    for k, v in form.items():
        name_base, _, fieldname = k.partition("_")
        if name_base != "beer" or not fieldname:
            continue
        doc[fieldname] = v.strip()

    if not doc.get("name"):
        return None, ("Must have name", 400)

    if not doc.get("brewery_id"):
        return None, ("Must have brewery ID", 400)

    for field, kind in NUMBER_FIELDS.items():
        text = doc.get(field, "")
        try:
            doc[field] = kind(text) if text else 0
        except ValueError:
            return None, ("{0} must be a number, got {1!r}".format(field.upper(), text), 400)

    if _fetch(doc["brewery_id"], "brewery") is None:
        return None, ("Brewery ID {0} not found".format(doc["brewery_id"]), 400)

    doc["type"] = "beer"
    doc["updated"] = _now()
    return doc, None


@app.route("/beers/edit/<beer>", methods=["GET"])
def edit_beer_display(beer: str) -> Any:
    bdoc = _fetch(beer, "beer")
    if bdoc is None:
        return "No Such Beer", 404

    return render_template(
        "beer/edit.html",
        beer=Beer(beer, bdoc.value.get("name", ""), bdoc.value),
        cas=bdoc.cas,
        is_create=False,
    )


@app.route("/beers/edit/<beer>", methods=["POST"])
def edit_beer_submit(beer: str) -> Any:
    doc, err = normalize_beer_fields(request.form)

    if not doc:
        return err

    old = _fetch(beer, "beer")
    if old is None:
        return "No Such Beer", 404
    merged = dict(old.value, **doc)  # fields the form does not show are kept
    try:
        db.set(beer, merged, cas=_form_cas() or old.cas)
    except KeyExistsError:
        return "Beer {0} was changed by someone else since you opened it: reload and edit again".format(
            beer
        ), 409
    return redirect("/beers/show/" + beer)


@app.route("/beers/create")
def create_beer_display() -> str:
    return render_template("beer/edit.html", beer=Beer("", ""), cas="", is_create=True)


@app.route("/beers/create", methods=["POST"])
def create_beer_submit() -> Any:
    doc, err = normalize_beer_fields(request.form)

    if not doc:
        return err

    # the tutorial's '{0}-{1}'.format(brewery_id, name.replace(' ', '_').lower()), as a URL-safe slug
    id = make_beer_id(doc["brewery_id"], doc["name"])  # noqa: A001
    if id.endswith("-"):
        return "The name needs a letter or digit", 400

    try:
        db.add(id, doc)
        return redirect("/beers/show/" + id)

    except KeyExistsError:
        return "Beer already exists!", 400


@app.route("/beers/search")
def beer_search() -> Response:
    ret = []
    for beer in _search("beer", BeerListRowProcessor()):
        ret.append({"id": beer.id, "name": beer.name, "brewery": beer.brewery_id})

    return return_search_json(ret)


# ---------------------------------------------------------------------------- breweries


@app.route("/breweries")
def breweries() -> str:
    rows, following = _page("brewery", BreweryListRowProcessor())
    return render_template(
        "brewery/index.html", results=rows, following=following, search=request.args.get("q", "")
    )


def _beers_of(brewery_id: str) -> List[Beer]:
    """The brewery's beers, by ``beer/brewery_beers`` (keys ``[brewery_id, beer_id]``)."""
    rows = db.query(
        "beer",
        "brewery_beers",
        include_docs=True,
        stale=False,
        mapkey_range=[[brewery_id, ""], [brewery_id, {}]],
    )
    return [
        Beer(row.docid, row.doc.value.get("name", row.docid), row.doc.value)
        for row in rows
        if row.doc is not None and row.doc.success
    ]


@app.route("/breweries/show/<brewery_id>")
def show_brewery(brewery_id: str) -> Any:
    doc = _fetch(brewery_id, "brewery")
    if doc is None:
        return "No such brewery {0}".format(brewery_id), 404

    return render_template(
        "brewery/show.html",
        brewery=Brewery(brewery_id, doc.value.get("name", brewery_id), doc.value),
        beers=_beers_of(brewery_id),
    )


BREWERY_TEXT_FIELDS = ("name", "description", "city", "state", "code", "country", "phone", "website")


def normalize_brewery_fields(form: Any) -> Tuple[Optional[Dict[str, Any]], Any]:
    """The brewery document of a submitted form, or ``(None, (message, status))``."""
    doc: Dict[str, Any] = {field: form.get("brewery_" + field, "").strip() for field in BREWERY_TEXT_FIELDS}
    if not doc["name"]:
        return None, ("Must have name", 400)
    doc["address"] = [line.strip() for line in form.get("brewery_address", "").splitlines() if line.strip()]
    lat, lon = form.get("brewery_lat", "").strip(), form.get("brewery_lon", "").strip()
    if lat or lon:
        try:
            geo: Dict[str, Any] = {"accuracy": "APPROXIMATE", "lat": float(lat), "lon": float(lon)}
        except ValueError:
            return None, (
                "Latitude and longitude must both be numbers, got {0!r}, {1!r}".format(lat, lon),
                400,
            )
        if not (-90 <= geo["lat"] <= 90 and -180 <= geo["lon"] <= 180):
            return None, ("Latitude must be within ±90 and longitude within ±180", 400)
        doc["geo"] = geo
    doc["type"] = "brewery"
    doc["updated"] = _now()
    return doc, None


@app.route("/breweries/edit/<brewery>", methods=["GET"])
def edit_brewery_display(brewery: str) -> Any:
    bdoc = _fetch(brewery, "brewery")
    if bdoc is None:
        return "No Such Brewery", 404
    return render_template(
        "brewery/edit.html",
        brewery=Brewery(brewery, bdoc.value.get("name", ""), bdoc.value),
        cas=bdoc.cas,
        is_create=False,
    )


@app.route("/breweries/edit/<brewery>", methods=["POST"])
def edit_brewery_submit(brewery: str) -> Any:
    doc, err = normalize_brewery_fields(request.form)
    if not doc:
        return err
    old = _fetch(brewery, "brewery")
    if old is None:
        return "No Such Brewery", 404
    merged = dict(old.value, **doc)
    if "geo" not in doc:
        merged.pop("geo", None)
    try:
        db.set(brewery, merged, cas=_form_cas() or old.cas)
    except KeyExistsError:
        return "Brewery {0} was changed by someone else since you opened it: reload and edit again".format(
            brewery
        ), 409
    return redirect("/breweries/show/" + brewery)


@app.route("/breweries/create")
def create_brewery_display() -> str:
    return render_template("brewery/edit.html", brewery=Brewery("", ""), cas="", is_create=True)


@app.route("/breweries/create", methods=["POST"])
def create_brewery_submit() -> Any:
    doc, err = normalize_brewery_fields(request.form)
    if not doc:
        return err
    id = slug(doc["name"])  # noqa: A001
    if not id:
        return "The name needs a letter or digit", 400
    try:
        db.add(id, doc)
        return redirect("/breweries/show/" + id)
    except KeyExistsError:
        return "Brewery already exists!", 400


@app.route("/breweries/search")
def brewery_search() -> Response:
    return return_search_json(
        [{"id": b.id, "name": b.name} for b in _search("brewery", BreweryListRowProcessor())]
    )


# ---------------------------------------------------------------------------- delete


@app.route("/<otype>/delete/<id>", methods=["GET", "POST"])
def delete_object(otype: str, id: str) -> Any:  # noqa: A002
    kinds = {"beers": "beer", "breweries": "brewery"}
    if otype not in kinds:
        return "No such page", 404
    doc = _fetch(id, kinds[otype])  # /beers/delete/<a brewery> must not delete the brewery
    if doc is None:
        return "No such {0} '{1}'".format(otype, id), 404
    if otype == "breweries" and _beers_of(id):
        return "Brewery '{0}' still has beers: delete them first".format(id), 409
    try:
        db.delete(id, cas=doc.cas)
        return redirect("/welcome")

    except KeyExistsError:
        return "{0} '{1}' was changed meanwhile: look at it again before deleting it".format(otype, id), 409
    except NotFoundError:
        return "No such {0} '{1}'".format(otype, id), 404


if __name__ == "__main__":
    app.run(debug=False)
