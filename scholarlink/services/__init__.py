"""The domain, as plain Python: no Reflex imports. The UI state and the agent both call these."""
