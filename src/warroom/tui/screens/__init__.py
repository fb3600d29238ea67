"""The app's screens: home (the incident list), the war room, wall mode and forms."""
