"""Configuration: ``router.yaml`` and ``GATEWAY_*`` variables resolved into ``Settings``."""
