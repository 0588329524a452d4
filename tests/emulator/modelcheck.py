"""Validate JSON bodies against Amazon's SP-API models (Swagger 2.0) with jsonschema.

    validate_against_model("sellers.json", "getMarketplaceParticipations", 200, body)
    validate_definition("fbaInventory.json", "InventorySummary", record)

Models are read from `$SPAPI_MODELS_DIR` (default: `shared/spapi-models` beside the repo).
With `strict=True` (the default) objects may not carry properties the model does not declare,
which catches misspelt field names; pass `strict=False` for models that rely on open objects.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema

REPO_ROOT = Path(__file__).resolve().parents[2]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def models_dir() -> Path:
    configured = os.environ.get("SPAPI_MODELS_DIR")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "spapi-models"


@functools.lru_cache(maxsize=64)
def load_model(model_file: str) -> dict[str, Any]:
    path = models_dir() / model_file
    with path.open(encoding="utf-8") as fh:
        model: dict[str, Any] = json.load(fh)
    return model


def find_operation(model_file: str, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(METHOD, path, operation object) for an operationId."""
    for path, item in load_model(model_file)["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(f"{operation_id} not found in {model_file}")


def usage_plan(model_file: str, operation_id: str) -> tuple[float, int] | None:
    """(rate, burst) from the operation description's Usage Plan table, if present."""
    _, _, op = find_operation(model_file, operation_id)
    match = re.search(r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|", op.get("description", ""))
    if match is None:
        return None
    return float(match.group(1)), int(match.group(2))


def _close_objects(schema: Any, in_all_of: bool = False) -> Any:
    """Copy of a schema where object schemas forbid undeclared properties."""
    if isinstance(schema, list):
        return [_close_objects(s, in_all_of) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "allOf":
            out[key] = [_close_objects(s, True) for s in value]
        elif key in ("properties", "definitions"):
            out[key] = {name: _close_objects(s) for name, s in value.items()}
        elif key in ("items", "additionalProperties", "not") or key in ("anyOf", "oneOf"):
            out[key] = _close_objects(value)
        else:
            out[key] = copy.deepcopy(value)
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not in_all_of
        and "allOf" not in out
    ):
        out["additionalProperties"] = False
    return out


def _validator(model_file: str, schema: dict[str, Any], strict: bool) -> jsonschema.Validator:
    model = load_model(model_file)
    root = {**schema, "definitions": model.get("definitions", {})}
    if strict:
        root = _close_objects(root)
    return jsonschema.Draft4Validator(
        root, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def _check(validator: jsonschema.Validator, body: Any, what: str) -> None:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [
            f"  at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
            for e in errors[:20]
        ]
        raise AssertionError(f"{what} does not match the model:\n" + "\n".join(lines))


def response_schema(model_file: str, operation_id: str, status: int) -> dict[str, Any]:
    _, _, op = find_operation(model_file, operation_id)
    responses = op["responses"]
    response = responses.get(str(status)) or responses.get("default")
    if response is None:
        raise AssertionError(f"{operation_id} declares no response for status {status}")
    schema = response.get("schema")
    if schema is None:
        raise AssertionError(f"{operation_id} {status} declares no body schema")
    result: dict[str, Any] = schema
    return result


def validate_against_model(
    model_file: str, operation_id: str, status: int, body: Any, *, strict: bool = True
) -> None:
    """Raise AssertionError unless `body` fits the operation's response schema for `status`."""
    schema = response_schema(model_file, operation_id, status)
    _check(_validator(model_file, schema, strict), body, f"{operation_id} {status} body")


def validate_request_body(
    model_file: str, operation_id: str, body: Any, *, strict: bool = True
) -> None:
    """Raise AssertionError unless `body` fits the operation's `in: body` parameter schema."""
    _, _, op = find_operation(model_file, operation_id)
    for param in op.get("parameters", []):
        if param.get("in") == "body":
            _check(
                _validator(model_file, param["schema"], strict),
                body,
                f"{operation_id} request body",
            )
            return
    raise AssertionError(f"{operation_id} has no body parameter")


def validate_definition(
    model_file: str, definition: str, body: Any, *, strict: bool = True
) -> None:
    """Raise AssertionError unless `body` fits `#/definitions/<definition>` of the model."""
    schema = {"$ref": f"#/definitions/{definition}"}
    _check(_validator(model_file, schema, strict), body, definition)
