"""The domain: events, their data, fold, validate, the catalog of severities,
roles and workflow, and time handling.  Imports no Textual, no HTTP framework
and no database driver."""
