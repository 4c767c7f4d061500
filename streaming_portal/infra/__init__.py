"""Infrastructure every app may import and that imports no app: the one URL fetcher, crypto
for URLs at rest, the local origin folder, the CLI progress bar, the JSON error shape.

Which way imports point: ``accounts`` <- ``catalog`` <- ``playback``, and all three may use
this package; nothing here imports any of them.
"""
