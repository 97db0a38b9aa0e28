"""Usage statistics: what each client asks, how often, how fast, aggregated in
memory per hour, client and operation and flushed in batches (``plugin``)."""
