"""The lowest layer: errors and time shared by every domain package. Imports nothing of ours."""
