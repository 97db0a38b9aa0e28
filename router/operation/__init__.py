"""Operation stage: document text -> parsed, limited, validated and planned operation.

Everything here depends only on (document, operation name, schema) and is cached per
schema state; variables are coerced per request."""
