"""Bundled resources: example projects, icons, the .desktop file, the style sheet."""
