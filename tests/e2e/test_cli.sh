# test_cli.sh — the command line: help, usage errors, and docs/cli.md in step
# with the command descriptors.
source "$ROOT/tests/e2e/lib.sh"

expect_status 0 "$TF" --help
expect_contains "$OUT" "commands:"
expect_status 2 "$TF"
expect_status 2 "$TF" frobnicate
expect_contains "$ERR" "unknown command 'frobnicate'"
expect_status 0 "$TF" version
expect_contains "$OUT" "tripflow 0."
expect_status 0 "$TF" help --help
expect_contains "$OUT" "--markdown"
expect_status 2 "$TF" help --nope
expect_eq "$ERR" "tripflow help: unknown option '--nope' (see tripflow help --help)"

# the reference in docs/ is generated from the same tables as --help
expect_status 0 "$TF" help --markdown
if ! diff -u "$ROOT/docs/cli.md" "$T/.out" >"$T/diff"; then
    fail "docs/cli.md is out of date; run 'make docs': $(head -20 "$T/diff")"
fi
finish
