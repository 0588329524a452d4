"""Notifications: SP-API's JSON notifications as the MWS XML notifications legacy code reads.

SP-API delivers JSON to one SQS queue the gateway registered as its destination (the *source*
queue); legacy programs read MWS XML (``Notification`` > ``NotificationMetaData`` +
``NotificationPayload``) from the queues they subscribed through the MWS Subscriptions API.
This package holds what both halves share, beside the request pass like ``gateway/feeds``:

* :mod:`queues`    SQS queue URLs and ARNs (pure)
* :mod:`sqs`       the SQS client (boto3 on worker threads), endpoint configurable
* :mod:`registry`  the durable records: legacy destinations and subscriptions per seller,
                   the SP-API destination and subscriptions behind them, delivered ids
* :mod:`envelope`  an SP-API notification read from its JSON (either spelling of its keys)
* :mod:`render`    that notification as MWS XML, from ``mappings/notifications/``
* :mod:`enrich`    the MWS values a notification does not carry (FeedType, statuses...)
* :mod:`bridge`    the worker: source queue -> rendered XML -> every subscribed legacy queue
* :mod:`worker`    ``mws-gateway bridge``: the bridge as its own process (/metrics, /healthz)
* :mod:`service`   the process-wide handle the gateway and the bridge share
"""
