"""The console's label tables (zh, en), one module per part of the console; :mod:`console.i18n` merges
them into ``LABELS`` and serves them to the pages."""
