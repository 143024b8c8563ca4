"""Flask-facing plumbing: validation, authentication, versions, the error envelope."""
