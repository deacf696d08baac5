"""What the shipped deployment is made of besides the app: the nginx proxy config (nginx.conf),
the docker compose file (compose.yaml) and the build step that precompresses Streamlit's static
files for the proxy (precompress.py)."""
