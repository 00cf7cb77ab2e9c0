"""AI providers: one interface, a deterministic local provider and an OpenAI provider."""
