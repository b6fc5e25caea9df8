"""The one way pages show dates and times (Django format strings; see docs/style-guide.md).

Pages show `6 Dec 2026` and `6 Dec 2026, 22:04` in the organisation's time zone, which the page footer
states. The API and CSV exports do not use these: they write ISO 8601 and plain decimals."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
