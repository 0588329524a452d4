"""Read-only access to the real MWS exchanges in ``../shared/mws-recordings``.

The recordings live outside the repository (they must not be copied into it); tests read them at
run time through :func:`recordings_dir`. Each JSON file holds one test case of captured
request/response pairs; :func:`load_exchanges` flattens them into :class:`Exchange` records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

REPO_ROOT = Path(__file__).resolve().parents[2]


def recordings_dir() -> Path:
    """``<repo>/../shared/mws-recordings``; raises if it is not there."""
    path = REPO_ROOT.parent / "shared" / "mws-recordings"
    if not path.is_dir():
        raise FileNotFoundError(f"MWS recordings directory {path} does not exist")
    return path


@dataclass(frozen=True)
class Exchange:
    """One recorded MWS request and the real response to it."""

    file: str  # the recording's file name
    case: str  # the recording's test-case label
    label: str  # the recording's section label (e.g. "products", "default-fetch")
    method: str
    host: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    request_body: str | None
    status: int
    headers: dict[str, str]  # lower-cased names
    body: str

    @property
    def params(self) -> dict[str, str]:
        """Query-string and form parameters merged (form wins), as MWS merges them."""
        return {**self.query, **self.form}

    @property
    def action(self) -> str | None:
        return self.params.get("Action")

    @property
    def version(self) -> str | None:
        return self.params.get("Version")

    @property
    def path_section(self) -> str | None:
        """The section named by the URL path (``/Products/2011-10-01`` -> ``Products``)."""
        first = self.path.strip("/").split("/", 1)[0]
        return first or None

    @cached_property
    def _root(self) -> tuple[str, str] | None:
        text = self.body.lstrip("\ufeff").lstrip()
        if not text.startswith("<"):
            return None
        try:
            root = ElementTree.fromstring(text.encode("utf-8"))
        except ElementTree.ParseError:
            return None
        tag = str(root.tag)
        if tag.startswith("{"):
            ns, _, local = tag[1:].partition("}")
            return ns, local
        return "", tag

    @property
    def is_xml(self) -> bool:
        return self._root is not None

    @property
    def root_tag(self) -> str | None:
        """Local name of the body's root element, or None for a non-XML body."""
        return self._root[1] if self._root else None

    @property
    def root_namespace(self) -> str | None:
        """Namespace of the body's root element ("" if none), or None for a non-XML body."""
        return self._root[0] if self._root else None


def _str_dict(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (raw or {}).items()}


def load_exchanges(directory: Path | None = None) -> list[Exchange]:
    """Every recorded exchange, in file-name order."""
    directory = directory or recordings_dir()
    out: list[Exchange] = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["entries"]:
            req, resp = entry["request"], entry["response"]
            out.append(
                Exchange(
                    file=path.name,
                    case=str(data.get("case", "")),
                    label=str(data.get("section", "")),
                    method=str(req["method"]),
                    host=str(req["host"]),
                    path=str(req["path"]),
                    query=_str_dict(req.get("query")),
                    form=_str_dict(req.get("form")),
                    request_body=req.get("body"),
                    status=int(resp["status"]),
                    headers={k.lower(): str(v) for k, v in (resp.get("headers") or {}).items()},
                    body=resp.get("body") or "",
                )
            )
    if not out:
        raise FileNotFoundError(f"no recordings (*.json) in {directory}")
    return out


def exchanges_with_root(tag: str, directory: Path | None = None) -> list[Exchange]:
    """Exchanges whose response body is an XML document with root element ``tag``."""
    return [ex for ex in load_exchanges(directory) if ex.root_tag == tag]
