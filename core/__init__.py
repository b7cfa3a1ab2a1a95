"""cancelbot's domain: orders, claims, cancel results, rules and use cases (stdlib only)."""
