"""MWS Products GetMyFeesEstimate on SP-API Product Fees v0 ``getMyFeesEstimates``.

Up to 20 ``FeesEstimateRequestList.FeesEstimateRequest.N`` structures become the list body of
ONE ``getMyFeesEstimates`` call (one per SP-API region when the requests span regions: a call
goes to one regional host). The structure rows live in the table (``tables.request.
fees_estimate_request``, read by :mod:`gateway.translate.engine.bodies`), so a malformed
request (missing IdType/IdValue, a price that is not a number) is refused whole with the MWS
error naming the parameter, before any SP-API call.

What fails for one request stays with that request, as MWS answered it: a marketplace the
seller is not registered in, an estimate SP-API could not make (``Status`` ClientError or
ServiceError with its ``Error``), or a batch SP-API refused outright (400) all become a
``FeesEstimateResult`` with ``Status`` and ``Error`` inside an ordinary 200 answer. Product
Fees v0 answers with the MWS element names, so the result tree is the ``records`` table's
``fees_result``. Throttling, outages and authorisation failures still fail the whole call
(the client retries it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.spapi.errors import UpstreamClientError, UpstreamNotFound
from gateway.translate.engine.bodies import read_structs
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.records import AttributedRecordMaps, attributed_maps
from gateway.translate.engine.upstream import fetch_data

STRUCT = "FeesEstimateRequestList"

# ------------------------------------------------------------------ pure


def read_requests(
    spec: Mapping[str, Any], params: Mapping[str, str], tables: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The SP-API ``FeesEstimateByIdRequest`` objects, in request order (MwsError if malformed)."""
    structs: Mapping[str, Any] = spec["structs"]
    body = read_structs(structs, params, tables.get("request") or {}, tables.get("enums") or {})
    requests: list[dict[str, Any]] = body[str(structs[STRUCT]["upstream"])]
    return requests


def identifier_of(request: Mapping[str, Any], seller_id: str) -> dict[str, Any]:
    """The MWS FeesEstimateIdentifier echoing one request (for answers the gateway makes)."""
    fees: Mapping[str, Any] = request.get("FeesEstimateRequest") or {}
    return {
        "MarketplaceId": fees.get("MarketplaceId"),
        "SellerId": seller_id,
        "IdType": request.get("IdType"),
        "IdValue": request.get("IdValue"),
        "IsAmazonFulfilled": fees.get("IsAmazonFulfilled"),
        "PriceToEstimateFees": fees.get("PriceToEstimateFees"),
        "SellerInputIdentifier": fees.get("Identifier"),
    }


def failed(
    request: Mapping[str, Any],
    seller_id: str,
    message: str,
    *,
    status: str = "ClientError",
    code: str = "InvalidParameterValue",
) -> dict[str, Any]:
    """A FeesEstimateResult the gateway answers itself for a request it could not estimate."""
    kind = "Sender" if status == "ClientError" else "Receiver"
    return {
        "Status": status,
        "FeesEstimateIdentifier": identifier_of(request, seller_id),
        "Error": {"Type": kind, "Code": code, "Message": message},
    }


def _key(request: Mapping[str, Any]) -> tuple[str, str, str]:
    fees: Mapping[str, Any] = request.get("FeesEstimateRequest") or {}
    return (str(fees.get("Identifier")), str(request.get("IdType")), str(request.get("IdValue")))


def _result_key(result: Mapping[str, Any]) -> tuple[str, str, str]:
    ident: Mapping[str, Any] = result.get("FeesEstimateIdentifier") or {}
    return (
        str(ident.get("SellerInputIdentifier")),
        str(ident.get("IdType")),
        str(ident.get("IdValue")),
    )


def pair_results(
    requests: Sequence[Mapping[str, Any]], results: Sequence[Any], seller_id: str
) -> list[dict[str, Any]]:
    """One result per request: by position when SP-API answered in order, else by identifier."""
    answers = [r for r in results if isinstance(r, Mapping)]
    in_order = len(answers) == len(requests) and all(
        _result_key(a)[0] in ("None", _key(q)[0]) for q, a in zip(requests, answers, strict=True)
    )
    by_key: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    if not in_order:
        for answer in answers:
            by_key.setdefault(_result_key(answer), []).append(answer)
    out: list[dict[str, Any]] = []
    for n, request in enumerate(requests):
        found: Mapping[str, Any] | None
        if in_order:
            found = answers[n]
        else:
            queue = by_key.get(_key(request)) or []
            found = queue.pop(0) if queue else None
        if found is None:
            out.append(
                failed(
                    request,
                    seller_id,
                    "SP-API returned no estimate for this request; retry later.",
                    status="ServiceError",
                    code="InternalError",
                )
            )
            continue
        out.append(complete(found, request, seller_id))
    return out


def complete(
    result: Mapping[str, Any], request: Mapping[str, Any], seller_id: str
) -> dict[str, Any]:
    """An SP-API FeesEstimateResult made whole for MWS: the identifier filled from the request,
    the empty ``Error`` SP-API sends beside successful estimates dropped."""
    out = dict(result)
    ident = dict(out.get("FeesEstimateIdentifier") or {})
    for key, value in identifier_of(request, seller_id).items():
        if ident.get(key) in (None, ""):
            ident[key] = value
    out["FeesEstimateIdentifier"] = ident
    error = out.get("Error")
    status = str(out.get("Status") or "")
    if not isinstance(error, Mapping) or not error.get("Code") or status == "Success":
        out.pop("Error", None)
    if not status:
        out["Status"] = "Success" if out.get("FeesEstimate") else "ClientError"
    if out["Status"] != "Success" and "Error" not in out:
        out["Error"] = {
            "Type": "Receiver",
            "Code": "InternalError",
            "Message": "SP-API could not estimate the fees of this request.",
        }
    return out


def render(results: Sequence[Mapping[str, Any]], maps: AttributedRecordMaps) -> list[Element]:
    """The children of ``<GetMyFeesEstimateResult>``."""
    items: list[Element] = [
        ("FeesEstimateResult", maps.children("fees_result", r)) for r in results
    ]
    return [("FeesEstimateResultList", items)]


# ------------------------------------------------------------------ I/O


async def get_my_fees_estimate(call: Call) -> XmlResult:
    spec = call.operation.spec
    upstream: Mapping[str, Any] = spec["upstream"]
    requests = read_requests(spec, call.params, call.section.tables)
    seller = call.identity.seller_id
    marketplaces = call.services.catalog.marketplaces
    results: list[dict[str, Any] | None] = [None] * len(requests)
    by_region: dict[str, list[int]] = {}
    for n, request in enumerate(requests):
        marketplace = str(request["FeesEstimateRequest"]["MarketplaceId"])
        row = marketplaces.get(marketplace) or {}
        if marketplace not in call.identity.marketplaces or "region" not in row:
            results[n] = failed(
                request,
                seller,
                f"Invalid MarketplaceId {marketplace[:32]!r}: the seller is not registered in "
                "this marketplace.",
            )
            continue
        by_region.setdefault(str(row["region"]), []).append(n)
    for indices in by_region.values():
        batch = [requests[n] for n in indices]
        first = str(batch[0]["FeesEstimateRequest"]["MarketplaceId"])
        try:
            data = await fetch_data(call, upstream, marketplace_id=first, json=batch)
        except (UpstreamClientError, UpstreamNotFound) as exc:
            # SP-API refused the batch itself (e.g. a marketplace it does not know): MWS
            # answered each request with its own error.
            call.audit.notes["products_fees_refused"] = exc.spapi_code or exc.code
            for n in indices:
                results[n] = failed(requests[n], seller, exc.message or "SP-API refused it.")
            continue
        if not isinstance(data, list):
            raise MwsError("InternalError", "SP-API answered with an unexpected document.")
        for n, result in zip(indices, pair_results(batch, data, seller), strict=True):
            results[n] = result
    done = [r for r in results if r is not None]
    errors = sum(1 for r in done if r.get("Status") != "Success")
    call.audit.notes.update(
        {
            "products_items": len(requests),
            "products_item_errors": errors,
            "fees_calls": len(by_region),
        }
    )
    return XmlResult(children=render(done, attributed_maps(call.section.tables["records"])))
