"""The GraphQL API of cityledger: schema, HTTP and WebSocket serving, tokens and permissions."""
