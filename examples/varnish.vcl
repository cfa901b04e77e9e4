vcl 4.1;

# Varnish in front of two instances of examples/demo.ts. Each backend is probed on
# /health/ready; a backend whose readiness answers 503 (a critical check DOWN, or SIGTERM)
# turns sick and the director stops sending it requests. With every backend sick, Varnish
# answers 503 itself.
#
# VCL reads no environment: __tests__/varnish.test.ts runs a copy of this file with the
# ports replaced. Check it with: varnishd -C -f "$PWD/examples/varnish.vcl" -n "$(mktemp -u)"

import directors;

probe health_ready {
    # A full request, so the probe sends Host (the runner ignores it, a vhost may not).
    .request =
        "GET /health/ready HTTP/1.1"
        "Host: varnish-check"
        "Connection: close";
    # Only the status matters: 200 for UP and DEGRADED, 503 for DOWN.
    .expected_response = 200;
    # Above the runner's timeoutMs (800 ms), so a slow check is a 503, not a probe timeout.
    .timeout = 2s;
    .interval = 1s;
    # Sick once fewer than 2 of the last 3 probes passed: within 3 intervals of a 503.
    .window = 3;
    .threshold = 2;
}

backend app1 {
    .host = "127.0.0.1";
    .port = "3000";
    .probe = health_ready;
}

backend app2 {
    .host = "127.0.0.1";
    .port = "3001";
    .probe = health_ready;
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app1);
    app.add_backend(app2);
}

sub vcl_recv {
    set req.backend_hint = app.backend();
}
