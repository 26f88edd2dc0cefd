"""The dashboard's panes (one per area) and its help screen."""
