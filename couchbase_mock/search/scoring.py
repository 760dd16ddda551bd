"""The mock's relevance scoring: a plain tf-idf.

For a term ``t`` found in field ``f`` of document ``d``::

    tf    = sqrt(occurrences of t in f of d)
    idf   = 1 + ln(N / (df + 1))      N: indexed documents, df: documents with t in f
    norm  = 1 / sqrt(number of terms in f of d)
    score = tf * idf * norm * boost

A document's score for a multi-term query is the sum over the terms it
matches.  Non-text queries (numeric and date ranges, ``docid``, ``match_all``)
score a constant ``1 * boost``.  A conjunction sums its children; a
disjunction sums the children that matched and multiplies by
``matched / children`` (coordination), so documents matching more of the
alternatives rank first.  This mirrors the shape, not the exact numbers, of
the server's scoring.
"""
from __future__ import annotations

import math

__all__ = ["term_score", "idf"]


def idf(doc_count: int, doc_freq: int) -> float:
    """Inverse document frequency of a term found in ``doc_freq`` of ``doc_count`` documents."""
    return 1.0 + math.log(max(doc_count, 1) / (doc_freq + 1.0))


def term_score(freq: int, doc_freq: int, doc_count: int, field_length: int, boost: float = 1.0) -> float:
    """Score of one term occurring ``freq`` times in a field of ``field_length`` terms."""
    return math.sqrt(freq) * idf(doc_count, doc_freq) / math.sqrt(max(field_length, 1)) * boost
