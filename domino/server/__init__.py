"""domino-server: a local, Domino-compatible REST API server (extra ``server``)."""
