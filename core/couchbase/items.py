"""The 1.x/2.x Item API, accepted by the multi operations.

``Item(key, value)`` objects are grouped in an :class:`ItemSequence` (same
options for all) or an :class:`ItemOptionDict` (per-item options); after the
multi operation each item holds its result (``cas``, ``value``, ``rc``,
``success``).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from couchbase.exceptions import InvalidArgumentException


class Item:
    """A document handle that a multi operation fills in (``Item()`` then ``item.key = ...`` is the 1.x
    way: the key must be set before the item is used).

    Args:
        key: The document key.
        value: The value (to store, or as read).

    Attributes:
        key: The document key.
        value: The value.
        cas (int): The CAS after the operation.
        rc (int): The operation's status (0: success).
        result: The operation's result.
    """

    def __init__(self, key: Any = None, value: Any = None) -> None:
        self.key = key
        self.value = value
        self.cas = 0
        self.rc = 0
        self.result: Any = None

    @property
    def success(self) -> bool:
        """True when the item's operation succeeded."""
        return self.rc == 0

    def _store_result(self, result: Any) -> None:
        self.result = result
        self.rc = getattr(result, "rc", 0)
        if self.rc == 0:
            self.cas = getattr(result, "cas", self.cas)
            if hasattr(result, "value") and not callable(getattr(type(result), "value", None)):
                value = result.value
                if value is not None:
                    self.value = value

    def __repr__(self) -> str:
        return f"Item(key={self.key!r}, value={self.value!r}, cas={self.cas}, rc={self.rc})"


class ItemCollection:
    """Base of ItemSequence and ItemOptionDict."""

    def items_and_options(self) -> Iterator[Tuple[Item, Dict[str, Any]]]:  # pragma: no cover - abstract
        """Each item with its own options.

        Returns:
            Iterator of ``(Item, options dict)`` pairs.

        Raises:
            NotImplementedError: On the base class.
        """
        raise NotImplementedError

    def __len__(self) -> int:
        return sum(1 for _ in self.items_and_options())

    def __iter__(self) -> Iterator[Item]:
        return (item for item, _ in self.items_and_options())


def _check(item: Any) -> Item:
    if not isinstance(item, Item):
        raise InvalidArgumentException(message=f"expected an Item, got {type(item).__name__}")
    return item


class ItemSequence(ItemCollection):
    """Items that share the operation's options.

    Args:
        items: The Items.

    Raises:
        InvalidArgumentException: An element that is not an Item.
    """

    def __init__(self, items: Iterable[Item]) -> None:
        self._items: List[Item] = [_check(i) for i in items]

    def items_and_options(self) -> Iterator[Tuple[Item, Dict[str, Any]]]:
        """Each item with no options of its own.

        Yields:
            tuple: ``(Item, {})``.

        Never raises.
        """
        for item in self._items:
            yield item, {}


class ItemOptionDict(ItemCollection):
    """Items, each with its own options (e.g. ``{"expiry": 10}``).

    Args:
        d: Item -> options dict.

    Raises:
        InvalidArgumentException: A key that is not an Item.
    """

    def __init__(self, d: Optional[Dict[Item, Dict[str, Any]]] = None) -> None:
        self._d: Dict[Item, Dict[str, Any]] = {}
        for item, opts in (d or {}).items():
            self.add(item, **opts)

    def add(self, item: Item, **options: Any) -> None:
        """Add ``item`` with its options.

        Args:
            item: The Item.
            **options: Its options (``expiry``, ``cas``, ``format``, ...).

        Raises:
            InvalidArgumentException: ``item`` is not an Item.
        """
        self._d[_check(item)] = dict(options)

    def create_and_add(self, key: Any, value: Any = None, **options: Any) -> Item:
        """Create an Item and add it with its options.

        Args:
            key: The document key.
            value: Its value.
            **options: Its options.

        Returns:
            Item: The new item.

        Never raises.
        """
        item = Item(key, value)
        self.add(item, **options)
        return item

    def items_and_options(self) -> Iterator[Tuple[Item, Dict[str, Any]]]:
        """Each item with its options.

        Returns:
            Iterator of ``(Item, options dict)`` pairs.

        Never raises.
        """
        return iter(self._d.items())
