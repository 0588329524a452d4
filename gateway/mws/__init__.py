"""The legacy MWS protocol as pure functions: parameters, signatures, errors, XML, quotas."""
