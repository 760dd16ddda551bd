"""``python -m couchbase_mock``: run a mock cluster in the foreground (see cli.py)."""
from couchbase_mock.cli import main

raise SystemExit(main())
