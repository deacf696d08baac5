"""The floor for the browser measurements: a bare Streamlit app with one Plotly chart and no data.

    streamlit run bench/bare_app.py
"""

import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3, 4], y=[3, 1, 4, 1])), key="chart")
