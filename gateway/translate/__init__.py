"""Translation handlers named by the mapping tables (``target.handler: module:function``)."""
