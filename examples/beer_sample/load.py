"""Load the generated beer-sample documents and design documents into a bucket.

``load(connstr, username, password, bucket)`` stores every document of
:func:`examples.beer_sample.data.generate` (pipelined in batches) and publishes the design
documents of :mod:`examples.beer_sample.design` to production, the way the tutorial's
"Preparing the Views" step ends. Works against a Couchbase Server as well as the mock::

    python -m examples.beer_sample.load couchbase://127.0.0.1 Administrator password beer-sample
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import CouchbaseException
from couchbase.options import ClusterOptions
from couchbase.views import DesignDocument, DesignDocumentNamespace
from examples.beer_sample.data import BEERS, BREWERIES, generate
from examples.beer_sample.design import DESIGN_DOCS

__all__ = ["load", "store_documents", "create_design_documents"]

BATCH = 500


def store_documents(collection: Any, docs: Iterable[Tuple[str, Dict[str, Any]]]) -> int:
    """Upsert ``docs`` in pipelined batches; the number stored. Raises on the first failed key."""
    count = 0
    batch: Dict[str, Any] = {}
    for key, doc in docs:
        batch[key] = doc
        if len(batch) >= BATCH:
            count += _flush(collection, batch)
    if batch:
        count += _flush(collection, batch)
    return count


def _flush(collection: Any, batch: Dict[str, Any]) -> int:
    results = collection.upsert_multi(batch, return_exceptions=True)
    failed = {k: r for k, r in results.items() if isinstance(r, Exception) or not r.success}
    if failed:
        key, error = next(iter(failed.items()))
        raise CouchbaseException(
            message=f"{len(failed)} of {len(batch)} documents were not stored, first {key!r}: {error}"
        )
    done = len(batch)
    batch.clear()
    return done


def create_design_documents(bucket: Any) -> None:
    """Create (or replace) the application's design documents in production."""
    manager = bucket.view_indexes()
    for name, body in DESIGN_DOCS.items():
        manager.upsert_design_document(
            DesignDocument(name, body["views"]), DesignDocumentNamespace.PRODUCTION
        )


def load(
    connstr: str,
    username: str,
    password: str,
    bucket_name: str = "beer-sample",
    seed: int = 2013,
    breweries: int = BREWERIES,
    beers: int = BEERS,
) -> int:
    """Store the data set and the design documents; the number of documents stored."""
    cluster = Cluster(connstr, ClusterOptions(PasswordAuthenticator(username, password)))
    try:
        bucket = cluster.bucket(bucket_name)
        stored = store_documents(bucket.default_collection(), generate(seed, breweries, beers))
        create_design_documents(bucket)
        return stored
    finally:
        cluster.close()


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Load the beer-sample-like data set and its views.")
    parser.add_argument("connstr")
    parser.add_argument("username")
    parser.add_argument("password")
    parser.add_argument("bucket", nargs="?", default="beer-sample")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--breweries", type=int, default=BREWERIES)
    parser.add_argument("--beers", type=int, default=BEERS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    stored = load(
        args.connstr, args.username, args.password, args.bucket, args.seed, args.breweries, args.beers
    )
    print(
        f"stored {stored} documents and {len(DESIGN_DOCS)} design documents in "
        f"{time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
