"""The pure core: period arithmetic and number forms. No database, no request."""
