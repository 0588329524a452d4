"""Built-in SP-API emulator: a standalone Starlette app used by tests, benchmarks and demos.

Entry points:
  * `app.create_emulator_app(config) -> Starlette`; `app.state.emulator` is the `EmulatorState`
    (data, documents, tokens, counters such as `lwa_exchanges` and `calls`, `faults`, `clock`).
  * `common.spapi_operation("section.operationId")` wraps a section handler with auth, rate
    limiting, fault injection and SP-API headers; `SpApiError` / `invalid_input` for errors;
    `require_rdt` / `rdt_grant` for restricted operations.
  * `documents.DocumentStore` (as `state.documents`): `create_upload`, `put_document`,
    `register_generated`, `download_url`, `get_document_bytes`.
  * `data.SeedData` (as `state.data`): orders (Orders 2026-01-01 shape), listings, FBA inventory.
  * `__main__.run(host, port, config)` / `python -m gateway.emulator`.
Runtime control: `POST|GET|DELETE /_emulator/faults`, `GET /_emulator/stats`,
`POST /_emulator/reset`.
"""
