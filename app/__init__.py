"""The Streamlit glue every page shares: the frame (set-up, filters bound to the URL, header), the
one cache layer and error boundary (ui), the database a session reads, sharing and presentation,
sign-in, tiles, the workspace's targets and notes on the pages, and the in-app import."""
