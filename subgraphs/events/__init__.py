"""Domain events: CloudEvents over NATS JetStream, written through transactional outboxes.

See docs/events.md. The pieces: `catalog` (event types and subjects), `envelope`
(CloudEvents 1.0 JSON + JSON Schema validation), `broker` (NATS connection, streams
declared in code), `relay` (outbox -> JetStream), `mongo_outbox` / `sql_outbox` (the
records and categories outboxes), `nats_server` (the embedded server for `make run`).
"""
