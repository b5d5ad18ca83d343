"""What pages, the API and the report workbook show: selectors, tables, charts, text, views."""
