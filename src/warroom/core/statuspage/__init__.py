"""The public status page's data, pure: what responders published (`model`)
and Atlassian Statuspage's public JSON shapes of it (`shapes`)."""
