"""Reusable UI pieces: the frame, panes, dialogs. State lives in objects per client, never in module globals."""
