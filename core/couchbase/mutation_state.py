"""MutationState (SDK 4.x module ``couchbase.mutation_state``): read-your-own-writes for queries.

Collect the mutation tokens of your writes and pass the state as ``consistent_with`` in
:class:`~couchbase.options.QueryOptions` (or ``SearchOptions``): the query then waits until the
index has seen at least those mutations (``at_plus`` consistency)::

    res = coll.upsert("k", doc)
    state = MutationState(res)
    cluster.query("SELECT ...", QueryOptions(consistent_with=state))

Tokens need ``enable_mutation_tokens`` (on by default).
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from couchbase.exceptions import MissingTokenException
from couchbase.results import MutationToken


class MutationState:
    """A set of mutation tokens (``QueryOptions(consistent_with=...)``); ``MutationState(*results)`` adds
    each result's token.

    Args:
        *docs: Mutation results whose tokens to add.
        **kwargs: ``quiet`` (as for :meth:`add_results`).

    Raises:
        MissingTokenException: A result without a mutation token (unless ``quiet``).
    """

    def __init__(self, *docs: Any, **kwargs: Any) -> None:
        self._sv: Dict[tuple[Any, ...], MutationToken] = {}
        if docs:
            self.add_results(*docs, **kwargs)

    def add_mutation_token(self, mut_token: Optional[MutationToken]) -> None:
        """Add one token (anything else is ignored, as in SDK 4.x).

        Args:
            mut_token: A MutationToken.

        Never raises.
        """
        if isinstance(mut_token, MutationToken):
            self._add(mut_token)

    def _add(self, token: MutationToken) -> None:
        # keep the newest sequence number per bucket and vBucket
        key = (token.bucket_name, token.partition_id)
        old = self._sv.get(key)
        if old is None or token.sequence_number >= old.sequence_number:
            self._sv[key] = token

    def add_results(self, *rvs: Any, **kwargs: Any) -> bool:
        """Add the tokens of mutation results (the newest per bucket and vBucket is kept).

        Args:
            *rvs: Mutation results (MutationResult, MutateInResult, ...).
            **kwargs: ``quiet``: return False instead of raising when a result has no token.

        Returns:
            bool: True when every token was added.

        Raises:
            MissingTokenException: No results, or a result without a mutation token (unless ``quiet``).
        """
        if not rvs:
            raise MissingTokenException(message="add_results: no results passed")
        for rv in rvs:
            getter = getattr(rv, "mutation_token", None)
            token = getter() if callable(getter) else None
            if not isinstance(token, MutationToken):
                if kwargs.get("quiet", False) is True:
                    return False
                raise MissingTokenException(
                    message=f"result {rv!r} has no mutation token (is enable_mutation_tokens off?)")
            self._add(token)
        return True

    def add_all(self, bucket: Any, quiet: bool = False) -> bool:
        """Not available (as in SDK 4.x): the SDK does not record every mutation of a bucket.

        Args:
            bucket: The bucket.
            quiet: Ignored.

        Returns:
            Nothing: it always raises.

        Raises:
            FeatureUnavailableException: Always.
        """
        from couchbase.exceptions import FeatureUnavailableException

        raise FeatureUnavailableException(
            message="MutationState.add_all is not available; add the results of your mutations instead")

    def tokens(self) -> List[MutationToken]:
        """The tokens held.

        Returns:
            list[MutationToken]: One per bucket and vBucket.

        Never raises.
        """
        return list(self._sv.values())

    def __iter__(self) -> Iterator[MutationToken]:
        return iter(self.tokens())

    def __len__(self) -> int:
        return len(self._sv)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MutationState) and set(self._sv.values()) == set(other._sv.values())

    def scan_vectors(self) -> Dict[str, Dict[str, List[Any]]]:
        """The N1QL ``scan_vectors`` body.

        Returns:
            dict: ``{bucket: {vbucket: [seqno, "uuid"]}}``.

        Never raises.
        """
        out: Dict[str, Dict[str, List[Any]]] = {}
        for t in self._sv.values():
            vbuckets = out.setdefault(t.bucket_name, {})
            vbuckets[str(t.partition_id)] = [t.sequence_number, str(t.partition_uuid)]
        return out

    def __repr__(self) -> str:
        return f"MutationState({self.tokens()!r})"


__all__ = ["MutationState"]
