"""The Textual front door of tabwise (DESIGN §8)."""
