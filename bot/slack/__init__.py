"""The Slack app: listeners, Block Kit builders, alerts and their delivery."""
