"""API keys: ``gk_<id>_<secret>`` credentials stored (hashed) in the registry database.

- ``keyformat``: make and parse keys (pure, no I/O);
- ``store``: the ``api_keys`` table (create, list, revoke, look up, touch), each
  change audited in ``audit_logs``;
- ``verifier``: ``ApiKeyVerifier``, the ``CredentialVerifier`` the auth plugin calls;
- ``usage``: ``last_used_at`` written in batches, never once per request;
- ``settings``: ``ApiKeySettings``;
- ``admin``: the ``/admin/api/keys`` routes; ``cli``: ``gateway keys``.
"""

from router.auth.api_keys.settings import ApiKeySettings
from router.auth.api_keys.store import ApiKeyRecord, ApiKeyStore
from router.auth.api_keys.verifier import ApiKeyVerifier

__all__ = ["ApiKeyRecord", "ApiKeySettings", "ApiKeyStore", "ApiKeyVerifier"]
