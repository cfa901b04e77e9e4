#!/bin/sh
# A Nagios/Icinga plugin for a health-probes readiness endpoint, built on check_http from
# the Monitoring Plugins: OK (0) when UP, WARNING (1) when DEGRADED, CRITICAL (2) when DOWN
# (503), refused or timed out, UNKNOWN (3) when the answer is not a health-probes body.
# It takes check_http's own arguments:
#
#   examples/nagios-check.sh -I 127.0.0.1 -p 3000 -u /health/ready -t 5
#
# check_http alone (`check_http -I 127.0.0.1 -p 3000 -u /health/ready`) reads only the status
# code, so DEGRADED (200) is OK and Nagios never sees WARNING: right when a non-critical
# dependency being down should page nobody. This script makes one request, like check_http
# alone, and reads the aggregate status at the very start of the body (check_http -B prints
# it below the status line). It matches the start only: '"status":"UP"' anywhere would also
# match a component of a DEGRADED body. CHECK_HTTP overrides the plugin's path.
#
# __tests__/check-http.test.ts runs this script against a real server in each state.

plugin=${CHECK_HTTP:-/usr/lib/nagios/plugins/check_http}
output=$("$plugin" "$@" -B)
status=$?
first=${output%%
*}
case $output in
  *'
'*) body=${output#*
} ;;
  *) body='' ;;
esac

if [ "$status" -ne 0 ]; then
  # check_http's own verdict and output: CRITICAL for 503, a refused connection or a
  # timeout, UNKNOWN for bad arguments (the body, if any, follows as long output).
  printf '%s\n' "$output"
  exit "$status"
fi
case $body in
  '{"status":"UP"'*)
    printf '%s\n' "$first"
    exit 0
    ;;
  '{"status":"DEGRADED"'*)
    printf 'HTTP WARNING: DEGRADED - %s\n' "${first#HTTP OK: }"
    exit 1
    ;;
  *)
    printf 'HTTP UNKNOWN: no health-probes status at the start of the body - %s\n' "${first#HTTP OK: }"
    exit 3
    ;;
esac
