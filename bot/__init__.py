"""cancelbot's Slack side: Bolt app, listeners, Block Kit builders, texts."""
