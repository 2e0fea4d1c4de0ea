"""Validate JSON against a schema of the Tradovate OpenAPI 3.0 file.

OpenAPI 3.0 schemas use draft-4 style keywords (boolean `exclusiveMinimum`), so draft 4 it is.
"""

from __future__ import annotations

from typing import Any

import jsonschema


def validator(openapi: dict[str, Any], name: str) -> jsonschema.Draft4Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": openapi["components"]}
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(openapi: dict[str, Any], name: str, instance: object) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(openapi, name).iter_errors(instance)
    ]
