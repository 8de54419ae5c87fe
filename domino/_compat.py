"""Shims that keep scripts written for older public clients running.

``renamed_kwargs`` accepts the camelCase keyword names that the public client renamed to
snake_case in 2.2.0 (``isDirect`` → ``is_direct`` …). The old name still works, with a
``DeprecationWarning("<old> is deprecated, use <new>")``; passing both spellings (keyword or
positional) raises ``ValueError`` rather than silently picking one.

The decorated function keeps its real signature (``inspect.signature`` and IDEs show the new
names only), and positional callers are unaffected because parameter order never changed.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from domino.exceptions import InvalidArgumentError

__all__ = ["renamed_kwargs", "warn_deprecated"]

P = ParamSpec("P")
R = TypeVar("R")


def warn_deprecated(message: str, *, stacklevel: int = 3) -> None:
    """Emit a ``DeprecationWarning`` attributed to the caller of the public method."""
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)


def renamed_kwargs(**old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator mapping deprecated keyword names onto their new names.

    Example: ``@renamed_kwargs(isDirect="is_direct", commitId="commit_id")``.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)
        for new in old_to_new.values():
            if new not in signature.parameters:  # a typo here would silently drop values
                raise TypeError(f"{func.__qualname__} has no parameter {new!r}")

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if any(old in kwargs for old in old_to_new):
                _translate(func, signature, old_to_new, args, kwargs)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def _translate(
    func: Callable[..., Any],
    signature: inspect.Signature,
    old_to_new: dict[str, str],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    present = {old: kwargs.pop(old) for old in list(kwargs) if old in old_to_new}
    # which new names did the caller already give, positionally or by keyword?
    given = signature.bind_partial(*args, **kwargs).arguments
    for old, value in present.items():
        new = old_to_new[old]
        if new in given:
            raise InvalidArgumentError(
                f"{func.__name__}(): pass either '{new}' or '{old}', not both; "
                f"'{old}' is deprecated, use '{new}'"
            )
        warnings.warn(f"{old} is deprecated, use {new}", DeprecationWarning, stacklevel=3)
        kwargs[new] = value
