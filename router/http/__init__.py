"""HTTP stage: the request body or query string in, browser protections (CSRF, CORS),
GraphiQL for browsers."""
