"""The audit trail: ``audit_logs``. Registry and API-key changes write their entries
in their own transactions; the audit plugin queues the rest (auth failures, API-key
use from a new IP, mutations) and writes them in batches."""
