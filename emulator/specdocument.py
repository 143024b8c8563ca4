"""OpenAPI documents as the spec tools read them: $refs resolved, operations listed and grouped
into families (a path's first segment). Pure: documents arrive as parsed dicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Node = Mapping[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Side:
    """One document, with $ref resolution."""

    def __init__(self, document: Node) -> None:
        """Keep the document to resolve references against."""
        self.document = document

    def resolve(self, node: Any) -> Any:
        """Follow local $refs until a node that is not one."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if ref in seen:
                raise ValueError(f"$ref cycle at {ref}")
            seen.add(ref)
            node = self._pointer(ref)
        return node

    def _pointer(self, ref: str) -> Any:
        """The node a local JSON pointer ('#/a/b') designates."""
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, not {ref!r}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def operation(self, method: str, path: str) -> Node | None:
        """The operation object at (method, path), or None."""
        item = self.resolve(self.document.get("paths", {}).get(path))
        if not isinstance(item, Mapping):
            return None
        found = item.get(method)
        return found if isinstance(found, Mapping) else None

    def parameters(self, method: str, path: str, operation: Node) -> dict[tuple[str, str], Node]:
        """Path-level then operation-level parameters, keyed by (in, name)."""
        item = self.resolve(self.document["paths"][path])
        merged: dict[tuple[str, str], Node] = {}
        for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
            parameter = self.resolve(raw)
            merged[_parameter_key(parameter)] = parameter
        return merged


def _parameter_key(parameter: Node) -> tuple[str, str]:
    """(in, name), with header names folded to lower case as HTTP does."""
    where, name = str(parameter.get("in")), str(parameter.get("name"))
    return where, name.lower() if where == "header" else name


def operations_of(document: Node) -> list[tuple[str, str]]:
    """Every (METHOD, path) of a document."""
    found: list[tuple[str, str]] = []
    for path, item in document.get("paths", {}).items():
        found.extend((method.upper(), path) for method in HTTP_METHODS if method in item)
    return found


def served_operations(project: Node) -> list[tuple[str, str]]:
    """Every (METHOD, path) the project's document serves: what must match Sequence's."""
    return operations_of(project)


def unserved(project: Node, reference: Node) -> dict[str, list[str]]:
    """Per family (a path's first segment), the reference's operations the project lacks."""
    served = set(operations_of(project))
    families: dict[str, list[str]] = {}
    for method, path in operations_of(reference):
        family = families.setdefault(family_of(path), [])
        if (method, path) not in served:
            operation = Side(reference).operation(method.lower(), path) or {}
            family.append(str(operation.get("operationId", f"{method} {path}")))
    return families


def family_of(path: str) -> str:
    """The family of an operation: the first segment of its path (`customers`)."""
    return path.strip("/").split("/")[0]
