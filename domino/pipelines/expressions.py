"""The ``${{ }}`` expression language: a small grammar, parsed and evaluated here, never eval'd.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("||" and)*
    and     := not ("&&" not)*
    not     := "!" not | compare
    compare := filtered (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") filtered)?
    filtered:= primary ("|" NAME ("(" [expr ("," expr)*] ")")?)*
    primary := NUMBER | STRING | true | false | null | "(" expr ")" | "[" [expr ("," expr)*] "]"
             | NAME ("." NAME | "[" expr "]")*

Names start one of the namespaces ``params``, ``steps``, ``matrix``, ``run``. Filters: ``date``,
``default``, ``tojson``, ``join``, ``length``, ``lower``, ``upper``. Values substituted into a
command are shell-quoted (non-strings as JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from domino.pipelines.errors import PipelineError

__all__ = [
    "ExpressionError",
    "Expr",
    "NAMESPACES",
    "Template",
    "evaluate",
    "parse",
    "parse_template",
]

NAMESPACES = ("params", "steps", "matrix", "run", "inputs")
_OPEN = "${{"
_CLOSE = "}}"


class ExpressionError(PipelineError, ValueError):
    """An expression cannot be parsed or evaluated; ``offset`` is where, inside the text."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>!|().\[\],])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    offset: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            bad = text[pos:].lstrip()
            at = len(text) - len(bad)
            raise ExpressionError(f"unexpected character {bad[:1]!r} in expression", at)
        kind = match.lastgroup or "op"
        out.append(_Tok(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    out.append(_Tok("end", "", len(text)))
    return out


# --------------------------------------------------------------------------- syntax tree


class Expr:
    offset: int = 0

    def refs(self) -> Iterator[tuple[tuple[str, ...], int]]:
        """Every name path the expression reads (``("steps", "prep", "outputs", "rows")``)."""
        yield from ()

    def filters(self) -> Iterator[tuple[str, int]]:
        yield from ()


@dataclass
class Literal(Expr):
    value: Any
    offset: int = 0


@dataclass
class Name(Expr):
    parts: list[str | Expr]
    offset: int = 0

    def static_path(self) -> tuple[str, ...]:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Literal) and isinstance(part.value, str | int):
                out.append(str(part.value))
            else:
                break
        return tuple(out)

    def refs(self) -> Iterator[tuple[tuple[str, ...], int]]:
        yield self.static_path(), self.offset
        for part in self.parts:
            if isinstance(part, Expr):
                yield from part.refs()

    def filters(self) -> Iterator[tuple[str, int]]:
        for part in self.parts:
            if isinstance(part, Expr):
                yield from part.filters()


@dataclass
class Unary(Expr):
    op: str
    operand: Expr
    offset: int = 0

    def refs(self) -> Iterator[tuple[tuple[str, ...], int]]:
        yield from self.operand.refs()

    def filters(self) -> Iterator[tuple[str, int]]:
        yield from self.operand.filters()


@dataclass
class Binary(Expr):
    op: str
    left: Expr
    right: Expr
    offset: int = 0

    def refs(self) -> Iterator[tuple[tuple[str, ...], int]]:
        yield from self.left.refs()
        yield from self.right.refs()

    def filters(self) -> Iterator[tuple[str, int]]:
        yield from self.left.filters()
        yield from self.right.filters()


@dataclass
class ListExpr(Expr):
    items: list[Expr]
    offset: int = 0

    def refs(self) -> Iterator[tuple[tuple[str, ...], int]]:
        for item in self.items:
            yield from item.refs()

    def filters(self) -> Iterator[tuple[str, int]]:
        for item in self.items:
            yield from item.filters()


@dataclass
class Filter(Expr):
    value: Expr
    name: str
    args: list[Expr]
    offset: int = 0

    def refs(self) -> Iterator[tuple[tuple[str, ...], int]]:
        yield from self.value.refs()
        for arg in self.args:
            yield from arg.refs()

    def filters(self) -> Iterator[tuple[str, int]]:
        yield from self.value.filters()
        yield self.name, self.offset
        for arg in self.args:
            yield from arg.filters()


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        tok = self.peek()
        if tok.kind in ("op", "name") and tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            tok = self.peek()
            found = repr(tok.text) if tok.kind != "end" else "the end"
            raise ExpressionError(f"expected {text!r}, found {found}", tok.offset)

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise ExpressionError("empty expression", 0)
        expr = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise ExpressionError(f"unexpected {tok.text!r} in expression", tok.offset)
        return expr

    def or_(self) -> Expr:
        return self._left_assoc("||", self.and_)

    def and_(self) -> Expr:
        return self._left_assoc("&&", self.not_)

    def _left_assoc(self, op: str, operand: Callable[[], Expr]) -> Expr:
        """``operand (op operand)*``, grouped from the left."""
        left = operand()
        while self.peek().text == op:
            tok = self.take()
            left = Binary(op, left, operand(), tok.offset)
        return left

    def not_(self) -> Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "!":
            self.take()
            return Unary("!", self.not_(), tok.offset)
        return self.compare()

    def compare(self) -> Expr:
        left = self.filtered()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return Binary(tok.text, left, self.filtered(), tok.offset)
        if tok.kind == "name" and tok.text == "in":
            self.take()
            return Binary("in", left, self.filtered(), tok.offset)
        if tok.kind == "name" and tok.text == "not" and self.toks[self.i + 1].text == "in":
            self.take()
            self.take()
            return Binary("not in", left, self.filtered(), tok.offset)
        return left

    def filtered(self) -> Expr:
        value = self.primary()
        while self.peek().kind == "op" and self.peek().text == "|":
            self.take()
            tok = self.take()
            if tok.kind != "name":
                raise ExpressionError("expected a filter name after '|'", tok.offset)
            if tok.text not in FILTERS:
                hint = _suggest(tok.text, FILTERS)
                raise ExpressionError(f"unknown filter {tok.text!r}{hint}", tok.offset)
            args: list[Expr] = []
            if self.accept("("):
                if not self.accept(")"):
                    args.append(self.or_())
                    while self.accept(","):
                        args.append(self.or_())
                    self.expect(")")
            value = Filter(value, tok.text, args, tok.offset)
        return value

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "number":
            number = float(tok.text) if re.search(r"[.eE]", tok.text) else int(tok.text)
            return Literal(number, tok.offset)
        if tok.kind == "string":
            return Literal(_unquote(tok.text), tok.offset)
        if tok.kind == "op" and tok.text == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if tok.kind == "op" and tok.text == "[":
            items: list[Expr] = []
            if not self.accept("]"):
                items.append(self.or_())
                while self.accept(","):
                    items.append(self.or_())
                self.expect("]")
            return ListExpr(items, tok.offset)
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return Literal(tok.text == "true", tok.offset)
            if tok.text == "null":
                return Literal(None, tok.offset)
            if tok.text not in NAMESPACES:
                hint = _suggest(tok.text, NAMESPACES)
                raise ExpressionError(
                    f"unknown name {tok.text!r}{hint}; expressions read " + ", ".join(NAMESPACES),
                    tok.offset,
                )
            parts: list[str | Expr] = [tok.text]
            while True:
                if self.accept("."):
                    part = self.take()
                    if part.kind not in ("name", "number"):
                        raise ExpressionError("expected a name after '.'", part.offset)
                    parts.append(part.text)
                elif self.peek().kind == "op" and self.peek().text == "[":
                    self.take()
                    parts.append(self.or_())
                    self.expect("]")
                else:
                    return Name(parts, tok.offset)
        found = repr(tok.text) if tok.kind != "end" else "the end"
        raise ExpressionError(f"expected a value, found {found}", tok.offset)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _suggest(word: str, choices: Any) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse(text: str) -> Expr:
    """Parse the inside of one ``${{ }}``; :class:`ExpressionError` with an offset on failure."""
    return _Parser(text).parse()


# --------------------------------------------------------------------------- evaluation


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise ExpressionError(f"date filter needs a date or ISO date string, got {value!r}")


def _f_date(value: Any, fmt: Any = "%Y-%m-%d") -> str:
    return _to_date(value).strftime(str(fmt))


def _f_default(value: Any, fallback: Any = "") -> Any:
    return fallback if value is None or value == "" else value


def _f_tojson(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _f_join(value: Any, sep: Any = ",") -> str:
    if not isinstance(value, list):
        raise ExpressionError(f"join filter needs a list, got {type(value).__name__}")
    return str(sep).join(v if isinstance(v, str) else _f_tojson(v) for v in value)


def _f_length(value: Any) -> int:
    if not isinstance(value, list | str | dict):
        raise ExpressionError(f"length filter needs a list, string or mapping, got {value!r}")
    return len(value)


def _f_str(name: str, op: Callable[[str], str]) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        if not isinstance(value, str):
            raise ExpressionError(f"{name} filter needs a string, got {value!r}")
        return op(value)

    return apply


FILTERS: dict[str, Callable[..., Any]] = {
    "date": _f_date,
    "default": _f_default,
    "tojson": _f_tojson,
    "join": _f_join,
    "length": _f_length,
    "lower": _f_str("lower", str.lower),
    "upper": _f_str("upper", str.upper),
}


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", [], {})


def _lookup(name: Name, ctx: Mapping[str, Any]) -> Any:
    current: Any = ctx
    shown: list[str] = []
    for part in name.parts:
        key: Any = part if isinstance(part, str) else evaluate(part, ctx)
        shown.append(str(key))
        if isinstance(current, Mapping):
            if key not in current:
                raise ExpressionError(f"{'.'.join(shown)} is not defined", name.offset)
            current = current[key]
        elif isinstance(current, list) and isinstance(key, int | str) and str(key).isdigit():
            index = int(key)
            if index >= len(current):
                raise ExpressionError(f"{'.'.join(shown)}: index out of range", name.offset)
            current = current[index]
        else:
            raise ExpressionError(f"{'.'.join(shown[:-1])} has no field {key!r}", name.offset)
    return current


def _compare(op: str, left: Any, right: Any, offset: int) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op in ("in", "not in"):
        if not isinstance(right, list | str | dict):
            raise ExpressionError(
                f"'{op}' needs a list or string on the right, got {right!r}", offset
            )
        found = left in right
        return found if op == "in" else not found
    numbers = (int, float)
    ok = (
        isinstance(left, numbers)
        and isinstance(right, numbers)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    ) or (isinstance(left, str) and isinstance(right, str))
    if not ok:
        raise ExpressionError(f"cannot compare {left!r} {op} {right!r}", offset)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def evaluate(expr: Expr, ctx: Mapping[str, Any]) -> Any:
    """The value of ``expr`` over ``ctx`` (``{"params": ..., "steps": ..., ...}``)."""
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Name):
        return _lookup(expr, ctx)
    if isinstance(expr, ListExpr):
        return [evaluate(item, ctx) for item in expr.items]
    if isinstance(expr, Unary):
        return not _truthy(evaluate(expr.operand, ctx))
    if isinstance(expr, Binary):
        if expr.op == "&&":
            return _truthy(evaluate(expr.left, ctx)) and _truthy(evaluate(expr.right, ctx))
        if expr.op == "||":
            return _truthy(evaluate(expr.left, ctx)) or _truthy(evaluate(expr.right, ctx))
        return _compare(expr.op, evaluate(expr.left, ctx), evaluate(expr.right, ctx), expr.offset)
    if isinstance(expr, Filter):
        value = evaluate(expr.value, ctx)
        args = [evaluate(arg, ctx) for arg in expr.args]
        try:
            return FILTERS[expr.name](value, *args)
        except TypeError:
            raise ExpressionError(
                f"wrong number of arguments to {expr.name}", expr.offset
            ) from None
        except ExpressionError as exc:
            raise ExpressionError(str(exc), expr.offset) from None
    raise ExpressionError(f"cannot evaluate {expr!r}")


# --------------------------------------------------------------------------- templates


@dataclass
class Template:
    """A string with ``${{ }}`` parts: literal text and (expression, offset of its text)."""

    source: str
    parts: list[str | tuple[Expr, int]]

    @property
    def expressions(self) -> list[tuple[Expr, int]]:
        return [p for p in self.parts if isinstance(p, tuple)]

    @property
    def is_single(self) -> bool:
        """The whole string (blanks aside) is one expression: its value keeps its type."""
        non_blank = [p for p in self.parts if not (isinstance(p, str) and not p.strip())]
        return len(non_blank) == 1 and isinstance(non_blank[0], tuple)

    def value(self, ctx: Mapping[str, Any]) -> Any:
        if self.is_single:
            return _eval_at(self.expressions[0], ctx)
        return self.render(ctx, quote=False)

    def render(self, ctx: Mapping[str, Any], *, quote: bool) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = _eval_at(part, ctx)
            out.append(shell_value(value) if quote else plain_value(value))
        return "".join(out)


def _eval_at(part: tuple[Expr, int], ctx: Mapping[str, Any]) -> Any:
    expr, base = part
    try:
        return evaluate(expr, ctx)
    except ExpressionError as exc:
        raise ExpressionError(str(exc), base + exc.offset) from None


def plain_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return repr(value)
    return _f_tojson(value)


def shell_value(value: Any) -> str:
    """One shell word for ``value``: strings quoted, lists and mappings as quoted JSON."""
    return shlex.quote(plain_value(value))


def parse_template(text: str) -> Template:
    """Split ``text`` at ``${{ ... }}``; :class:`ExpressionError` (offset into text) if bad."""
    parts: list[str | tuple[Expr, int]] = []
    pos = 0
    while True:
        start = text.find(_OPEN, pos)
        if start < 0:
            if text[pos:]:
                parts.append(text[pos:])
            break
        if start > pos:
            parts.append(text[pos:start])
        end = text.find(_CLOSE, start + len(_OPEN))
        if end < 0:
            raise ExpressionError("'${{' without a closing '}}'", start)
        inner = text[start + len(_OPEN) : end]
        inner_start = start + len(_OPEN) + len(inner) - len(inner.lstrip())
        inner = inner.strip()
        try:
            expr = parse(inner)
        except ExpressionError as exc:
            raise ExpressionError(str(exc), inner_start + exc.offset) from None
        parts.append((expr, inner_start))
        pos = end + len(_CLOSE)
    return Template(text, parts)


def has_expression(value: Any) -> bool:
    return isinstance(value, str) and _OPEN in value
