#!/bin/sh
# This example end to end: see ../check.sh.
exec sh "$(dirname "$0")/../check.sh" "$(dirname "$0")"
