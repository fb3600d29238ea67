"""The Textual app: screens, widgets, bindings and command palette providers."""
