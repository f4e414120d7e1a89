"""The mailing list: subscribers in newsletter.db, CSV import and export.

`database.py` owns newsletter.db's schema (the delivery journal's table too);
`store.py` reads and changes subscribers; `csv_import.py` and `csv_export.py`
move them in and out of spreadsheets; `addresses.py` says which addresses are valid.
"""
