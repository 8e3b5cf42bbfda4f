"""The report: figures, number formatting, the manuscript source, provenance and rendering."""
