"""The views service of the mock: design documents, JavaScript map/reduce
(through the optional ``quickjs`` package), view collation (Unicode collation
through the optional ``pyuca`` package) and query evaluation.

The HTTP side lives in :mod:`couchbase_mock.http.capi`; this package knows
nothing about HTTP. Modules: :mod:`.collation` (key order), :mod:`.jsengine`
(QuickJS wrapper), :mod:`.reduce` (built-in and JavaScript reduces),
:mod:`.ddocs` (design documents), :mod:`.params` (query parameters),
:mod:`.index` (map output per bucket), :mod:`.query` (evaluation),
:mod:`.state` (per-bucket state and ``stale`` handling).
"""
from couchbase_mock.views.collation import CollationMissing
from couchbase_mock.views.ddocs import DesignDocError, ddocs_listing
from couchbase_mock.views.jsengine import JSEngineMissing, JSError
from couchbase_mock.views.params import ParamError, parse_params
from couchbase_mock.views.reduce import ReduceError
from couchbase_mock.views.state import BucketViews, ViewNotFound, views_of

__all__ = ["BucketViews", "CollationMissing", "DesignDocError", "JSEngineMissing", "JSError", "ParamError",
           "ReduceError", "ViewNotFound", "ddocs_listing", "parse_params", "views_of"]
