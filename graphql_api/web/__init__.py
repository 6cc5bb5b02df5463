"""The web page at `/` and the self-hosted GraphiQL page: static files served by the app."""
