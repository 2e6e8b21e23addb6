"""The sub-processor registry: its services, selectors and the integration check."""
