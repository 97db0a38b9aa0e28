"""Event processors: durable JetStream pull consumers that keep read models current.

`python -m subgraphs.processors NAME` or `events run NAME`, NAME one of `search-index`,
`analytics`, `notifications`. Each is a `Processor` (one idempotent `handle(event)`)
driven by `runtime.ProcessorRuntime` (fetch, ack, retry with backoff, dead letters).
"""
