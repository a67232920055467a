"""The GraphQL surface: the Starlette app, the request context, the schema and its types."""
