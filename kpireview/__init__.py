"""kpireview: the weekly KPI review in your terminal."""
