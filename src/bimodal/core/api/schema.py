"""OpenAPI post-processing: every operation documents the errors it can answer, in the one shape they have.

drf-spectacular documents the answers a view declares; the errors every view can give (bad input, not
signed in, not allowed, not found, a conflict, a body too large) are added here, each once as a component,
so that clients and contract tests (Schemathesis) know them."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "description": "An error: `detail` says what went wrong.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "description": (
        "Bad input: an object of field name → messages (`non_field_errors` for the whole body, `detail` "
        "for a request that could not be read); a list of such objects for a list of rows."
    ),
    "anyOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {}},
    ],
}

WRITE_METHODS = {"post", "put", "patch", "delete"}
ERRORS: dict[str, tuple[str, str]] = {
    # status: (component, description)
    "400": ("ValidationError", "Bad input; the body names each field and what is wrong with it."),
    "401": ("Error", "Not signed in, or the token or signature is not valid."),
    "403": ("Error", "Signed in, but not allowed to do this."),
    "404": ("Error", "No such object, or not one the caller may see."),
    "409": ("Error", "The object changed in a way that conflicts with this request; read it and retry."),
    "413": ("Error", "The request body is larger than the server accepts."),
}


def _applies(status: str, method: str, operation: dict[str, Any]) -> bool:
    if status == "409":
        return method in WRITE_METHODS
    if status == "413":
        return "requestBody" in operation
    return True


def _widen_declared_400(responses: dict[str, Any]) -> None:
    """A view that declares its own 400 body (an import's row errors) still answers a serializer's field
    errors when the request itself is malformed: its 400 is either."""
    declared = responses.get("400", {}).get("content", {}).get("application/json", {}).get("schema")
    if declared is None or declared == {"$ref": "#/components/schemas/ValidationError"}:
        return
    responses["400"]["content"]["application/json"]["schema"] = {
        "anyOf": [declared, {"$ref": "#/components/schemas/ValidationError"}]
    }
    responses["400"]["description"] = responses["400"].get("description") or ERRORS["400"][1]


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error answers and their components."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            _widen_declared_400(responses)
            for status, (component, description) in ERRORS.items():
                if status in responses or not _applies(status, method, operation):
                    continue
                responses[status] = {
                    "description": description,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                    },
                }
    return result
