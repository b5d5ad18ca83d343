"""Workbooks in and out: the import (reader, planner, writer), its template and the data file."""
