"""What the pages show, without Streamlit: the catalogue of each page's sections, the default
views kept beside a snapshot, the public link format, and which KPI target applies to a view."""
