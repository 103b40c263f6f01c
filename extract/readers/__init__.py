"""Readers turn one input file into the neutral ``SourceDocument`` (blocks of paragraphs and grids)."""
