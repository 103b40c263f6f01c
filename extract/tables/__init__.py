"""Table parsing: locate each table by its title, read its header into column roles, turn rows into facts."""
