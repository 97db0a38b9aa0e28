"""What usage statistics and the audit trail share: tables, the database handle,
the buffered writer loop with its OpenTelemetry metrics, and maintenance."""
