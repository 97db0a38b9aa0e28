"""Client identity: API keys, JWTs, and the policy that uses them.

Verifiers turn a credential into a ``ClientIdentity`` (router.pipeline.context) or
raise ``AuthError`` saying which check failed; the auth plugin (``auth/plugin.py``)
picks the credential from the request, calls the verifier, applies the policy
(``auth.require``) and fills ``ctx.client``.
"""
