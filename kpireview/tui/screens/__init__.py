"""Screens: the dashboard, a KPI's detail and the help screen."""
