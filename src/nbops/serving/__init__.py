"""``nbops serve``: a registered model version over HTTP, monitored live.

    nbops serve churn@production --port 5001 --canary candidate=10

The server speaks MLflow's scoring protocol (``POST /invocations`` with ``dataframe_split``,
``dataframe_records``, ``instances`` or ``inputs``; ``GET /ping``, ``/health``, ``/version``),
checks every payload against the schema of the version's training dataset, and sketches
the inputs and predictions into the version's drift window of the current time bucket, so
the Drift Monitor and its alert rules watch live traffic with no user code.

Modules, one responsibility each:

- ``config``   what to serve and how (``ServeConfig``), parsed from the command line
- ``loading``  a version from the registry: the model, its input schema, its drift reference
- ``payload``  MLflow's request formats -> a validated DataFrame
- ``routing``  which version answers: canary split or shadow
- ``latency``  log-spaced latency histograms that merge across workers
- ``monitor``  the background writer: drift windows, stats, request log
- ``ledger``   the serving tables: requests, stats, feedback and realized performance
- ``batching`` requests that arrive together are scored in one call
- ``service``  what one worker serves: versions, batchers, router, monitor
- ``app``      the Starlette application (thin handlers)
- ``command``  ``nbops serve``: arguments, and uvicorn
"""
