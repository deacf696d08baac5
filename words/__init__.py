"""The dashboard's words: every metric's definition, the narrative's sentences, how a value is
written. Pure functions, no Streamlit."""
