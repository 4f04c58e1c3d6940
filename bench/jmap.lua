-- wrk script: POST one JMAP request body, with Basic auth, over keep-alive.
-- The shell passes the body and the credentials through the environment.
wrk.method = "POST"
wrk.body = os.getenv("TERN_BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. os.getenv("TERN_BENCH_AUTH")
