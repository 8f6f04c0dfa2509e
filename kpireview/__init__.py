"""kpireview: the weekly KPI review in your terminal."""

import atexit as _atexit

from kpireview import codecache as _codecache

if _codecache.install() is not None:  # before the modules that define dataclasses
    _atexit.register(_codecache.save)
