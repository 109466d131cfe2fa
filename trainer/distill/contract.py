"""The trainer's side of the job contract: JSON-Schema validation against schemas/ (generated from the
studio's zod source, lib/contracts), the schemas' defaults, and the exceptions a job ends with. Every module
of the package imports these from here; cli.py only parses arguments and runs a job."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:
    import jsonschema


class JobError(Exception):
    """A failure with a message meant for the user (bad input, mismatched models); no traceback shown."""


class Stopped(Exception):
    """The job stopped early on request (SIGTERM) after saving what it needs to resume: neither done nor error."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def read_valid_json(path: Path, schema: str) -> dict:
    """The JSON document at `path` with the schema's defaults filled in; a JobError naming the field otherwise."""
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise JobError(f"{path} is not JSON: {e}") from None
    errors = validation_errors(schema, document)
    if errors:
        raise JobError(f"{path}: {'; '.join(errors[:3])}")
    return with_defaults(schema, document)


@cache
def _schema(name: str) -> dict:
    return json.loads(resources.files("distill").joinpath("schemas", name).read_text())


@cache
def _check(name: str) -> jsonschema_rs.Validator:
    # The compiled check every document passes first. jsonschema's import was most of a cached re-run's start-up
    # (~0.18 s of CPU, bench/README.md) and it takes ~0.5 ms an event, so it is imported only when this check
    # refuses: it then has the last word and words the message (the check refuses a NaN that jsonschema lets
    # through); tests/test_contract.py holds the check to jsonschema's refusals.
    return jsonschema_rs.validator_for(_schema(name))


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(_schema(name))


def validate(name: str, document: Any) -> None:
    """Raise jsonschema.ValidationError when `document` breaks schemas/`name`."""
    if not _check(name).is_valid(document):
        _validator(name).validate(document)


def _discriminated(schema: dict, document: Any) -> dict:
    """For a oneOf/anyOf of objects told apart by a constant field (job `kind`, modelRef `source`), the branch
    whose constants the document carries; else the schema itself."""
    branches = schema.get("oneOf") or schema.get("anyOf") or []
    if not isinstance(document, dict):
        return schema
    for branch in branches:
        consts = {k: p["const"] for k, p in branch.get("properties", {}).items() if "const" in p}
        if consts and all(document.get(k) == v for k, v in consts.items()):
            return branch
    return schema


def validation_errors(name: str, document: Any) -> list[str]:
    """'field.path: message' for each way `document` breaks schemas/`name`. Unions with a discriminator are
    checked against the branch it picks, so a train job without `loss`, or a pruned student without
    `num_layers`, says so rather than "not valid under any of the given schemas"."""
    if _check(name).is_valid(document):
        return []
    return list(_errors(_schema(name), document, ()))


def _errors(schema: dict, document: Any, path: tuple):
    import jsonschema

    for error in jsonschema.Draft202012Validator(_discriminated(schema, document)).iter_errors(document):
        where = path + tuple(error.absolute_path)
        if error.validator in ("oneOf", "anyOf") and _discriminated(error.schema, error.instance) is not error.schema:
            yield from _errors(error.schema, error.instance, where)
        else:
            yield f"{'.'.join(map(str, where)) or 'the document'}: {error.message}"


def with_defaults(name: str, document: Any) -> Any:
    """A copy of a valid `document` with the schema's defaults put in for absent fields, as zod's parse does
    on the studio side, so a hand-written job.json may leave them out."""
    return _fill(_schema(name), copy.deepcopy(document))


def _fill(schema: dict, document: Any) -> Any:
    branch = _discriminated(schema, document) if isinstance(document, dict) else schema
    if branch is schema and isinstance(document, dict):
        # A nullable object (an eval job's judge): anyOf [object, null] and the document is the object.
        objects = [b for b in schema.get("anyOf", []) if b.get("type") == "object"]
        branch = objects[0] if len(objects) == 1 else schema
    if branch is not schema:
        return _fill(branch, document)
    if isinstance(document, dict):
        for key, sub in schema.get("properties", {}).items():
            if key not in document and "default" in sub:
                document[key] = copy.deepcopy(sub["default"])
            if key in document:
                document[key] = _fill(sub, document[key])
    if isinstance(document, list) and isinstance(schema.get("items"), dict):
        document = [_fill(schema["items"], item) for item in document]
    return document
