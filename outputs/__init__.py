"""What leaves the app: the board pack (report), KPI alerts (alerts) and their delivery by e-mail
or webhook. No Streamlit."""
