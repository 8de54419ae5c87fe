"""YAML text → plain Python values plus the position of every node and key.

PyYAML's compose API keeps each node's start mark, so every later error can name the file, line
and column. Duplicate keys are errors (PyYAML itself lets the last one win). The resolver follows
YAML 1.2 where 1.1 surprises people: only ``true``/``false`` are booleans (``on``, ``no`` and
``yes`` stay strings, so ``retries: {on: [...]}`` and a region ``no`` work) and dates stay strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from domino.pipelines.errors import Issue, PipelineValidationError, Position

__all__ = ["Located", "Path", "load_yaml"]

Path = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class Located:
    """The values of one YAML document and where each path in it starts."""

    file: str
    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    styles: dict[Path, str | None] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)  # duplicate keys

    def at(self, path: Path, *, key: bool = False) -> Position:
        """Where the value (with ``key``: the key) at ``path`` starts, else its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(self.file, 1, 1))

    def inner(self, path: Path, offset: int) -> Position:
        """Position of character ``offset`` inside the one-line scalar at ``path``."""
        start = self.at(path)
        style = self.styles.get(tuple(path), "")
        if style is None:
            return Position(start.file, start.line, start.column + offset)
        if style in ("'", '"'):
            return Position(start.file, start.line, start.column + 1 + offset)
        return start


def _mark(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def load_yaml(text: str, file: str) -> Located:
    """Parse one YAML document; :class:`PipelineValidationError` on syntax errors.

    Duplicate keys are collected in ``issues`` (the first occurrence is kept).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        raise PipelineValidationError(
            [Issue("yaml-syntax", f"invalid YAML: {exc.problem or exc}", pos)]
        ) from None
    except yaml.YAMLError as exc:
        raise PipelineValidationError(
            [Issue("yaml-syntax", f"invalid YAML: {exc}", Position(file, 1, 1))]
        ) from None
    finally:
        loader.dispose()
    located = Located(file, None)
    issues: list[Issue] = []
    if node is None:
        located.data = {}
        return located
    located.data = _convert(node, (), located, issues, loader)
    located.issues = issues
    return located


def _convert(
    node: yaml.Node, path: Path, located: Located, issues: list[Issue], loader: _Loader
) -> Any:
    located.values[path] = _mark(located.file, node)
    if isinstance(node, yaml.ScalarNode):
        located.styles[path] = node.style
        try:
            return loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            issues.append(Issue("yaml-syntax", f"invalid value: {exc}", located.values[path]))
            return None
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), located, issues, loader) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(
                    Issue(
                        "bad-key",
                        "mapping keys must be plain strings",
                        _mark(located.file, key_node),
                    )
                )
                continue
            key = loader.construct_object(key_node)
            key = key if isinstance(key, str) else str(key)
            key_pos = _mark(located.file, key_node)
            key_path: Path = (*path, key)
            if key in result:
                first = located.keys[key_path]
                issues.append(
                    Issue(
                        "duplicate-key",
                        f"duplicate key {key!r} (first defined at line {first.line},"
                        f" column {first.column})",
                        key_pos,
                    )
                )
                continue
            located.keys[key_path] = key_pos
            result[key] = _convert(value_node, (*path, key), located, issues, loader)
        return result
    return None
