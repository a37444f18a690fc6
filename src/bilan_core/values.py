"""One ``__repr__`` for every attrs class of bilan.

attrs writes and compiles a ``__repr__`` for each class it builds: a third of the time it takes
to build one, and bilan builds some eighty on the way to any command. The classes are declared
``@attrs.frozen(repr=False)`` (or ``define``) under :func:`plain_repr`, which gives them this
shared method: the same text attrs would write, ``Name(field=value, ...)``, fields declared
``repr=False`` left out, a field's own ``repr`` callable used.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def plain_repr(cls: T) -> T:
    """Give an attrs class the shared ``__repr__`` (unless it writes its own)."""
    if "__repr__" not in cls.__dict__ or cls.__dict__["__repr__"] is object.__repr__:
        cls.__repr__ = _repr  # type: ignore[assignment]
    return cls


def _repr(self: Any) -> str:
    parts = []
    for field in type(self).__attrs_attrs__:
        if field.repr is False:
            continue
        value = getattr(self, field.name, None)
        text = field.repr(value) if callable(field.repr) else repr(value)
        parts.append(f"{field.name}={text}")
    return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"
