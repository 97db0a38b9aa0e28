"""Opaque pagination cursors: base64 of the last record's id, so `after` resumes there."""

from __future__ import annotations

import base64
import binascii

from bson import ObjectId
from bson.errors import InvalidId

from subgraphs.graphql_errors import UserInputError

PREFIX = "record:"


def encode(record_id: ObjectId) -> str:
    return base64.urlsafe_b64encode(f"{PREFIX}{record_id}".encode()).decode()


def decode(cursor: str) -> ObjectId:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(PREFIX):
            raise ValueError(cursor)
        return ObjectId(raw[len(PREFIX) :])
    except (ValueError, binascii.Error, UnicodeDecodeError, InvalidId) as exc:
        raise UserInputError(
            "`after` is not a cursor returned by this service", field="after"
        ) from exc
