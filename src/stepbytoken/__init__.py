"""Step by Token: the package behind the book.

Every figure and number in the book is produced by the functions in this package. Importing
it is cheap: nothing is trained, downloaded or read from disk until a function asks for it.
"""

__version__ = "0.1.0"
