"""What every face (the CLI, the TUI, the server) does the same way: writing
events (`incidents`), declaring with the service's runbook attached
(`declare`), the runbook library (`runbooks`), drills (`drills`), writing
files (`files`).

Plain modules below the faces: no argparse, no Textual, no HTTP framework.
"""
