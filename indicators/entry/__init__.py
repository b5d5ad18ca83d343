"""Every write: the services that lock, check and save, and the forms that call them."""
