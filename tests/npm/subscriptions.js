// Drives the Subscriptions section with the `amazon-mws` npm client (0.0.27) against a live
// gateway. Input: one JSON argument {host, port, key, secret, seller, marketplace, queueUrl}.
// Output: one JSON line {step: answer}: the client's parsed answer (or {error}); for the
// reads, the XML text (see below).
'use strict';

// amazon-mws writes a request's body on its socket's 'connect' event, which only new sockets
// emit; Node 19+ keeps sockets alive by default and reuses them, so the request would never
// end. Restore the default of the Node versions the client was written for: no keep-alive.
const http = require('http');
http.globalAgent = new http.Agent({ keepAlive: false });

const cfg = JSON.parse(process.argv[2]);
const client = () => {
  const mws = require('amazon-mws')(cfg.key, cfg.secret);
  mws.setHost(cfg.host, cfg.port, 'http');
  return mws;
};
const amazonMws = client();
// The reads answer AttributeList members with a <Value> element, which amazon-mws's own
// XML-to-JSON step cannot take (its xml2js `charkey` is 'Value': "obj[charkey].match is not
// a function", with real MWS as much as here). They go through its documented XML response
// format instead, and the test reads the XML.
const rawMws = client();
rawMws.setResponseFormat('XML');

const base = { Version: '2013-07-01', SellerId: cfg.seller, MarketplaceId: cfg.marketplace };
const destination = (prefix) => ({
  [`${prefix}.DeliveryChannel`]: 'SQS',
  [`${prefix}.AttributeList.member.1.Key`]: 'sqsQueueUrl',
  [`${prefix}.AttributeList.member.1.Value`]: cfg.queueUrl,
});
const subscription = (enabled) => ({
  'Subscription.NotificationType': 'ReportProcessingFinished',
  'Subscription.IsEnabled': enabled ? 'true' : 'false',
  ...destination('Subscription.Destination'),
});
const keyed = { NotificationType: 'ReportProcessingFinished', ...destination('Destination') };

const steps = [
  ['RegisterDestination', 'create', destination('Destination')],
  ['ListRegisteredDestinations', 'raw', {}],
  ['CreateSubscription', 'create', subscription(true)],
  ['GetSubscription', 'raw', keyed],
  ['ListSubscriptions', 'raw', {}],
  ['UpdateSubscription', 'create', subscription(false)],
  ['GetSubscriptionAfterUpdate', 'raw', keyed, 'GetSubscription'],
  ['DeleteSubscription', 'remove', keyed],
  ['ListSubscriptionsAfterDelete', 'raw', {}, 'ListSubscriptions'],
  ['DeregisterDestination', 'remove', destination('Destination')],
  ['DeleteAgain', 'remove', keyed, 'DeleteSubscription'],
];

(async () => {
  const out = {};
  for (const [name, method, params, action] of steps) {
    try {
      const request = { ...base, Action: action || name, ...params };
      if (method === 'raw') {
        out[name] = { xml: await rawMws.subscriptions.searchFor(request) };
        continue;
      }
      const answer = await amazonMws.subscriptions[method](request);
      delete answer.Headers;
      out[name] = answer;
    } catch (error) {
      out[name] = { error: error.OriginalError || { Message: String(error.message) }, status: error.StatusCode };
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n');
})();
