"""The front door: ``create_app`` and its start-up steps, readiness, and the registry of
jobs. It composes the domains and is imported by none of them."""
