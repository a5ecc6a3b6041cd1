#!/bin/bash
# Proves the style check fails the build for what it must refuse: each case
# writes one small file into a scratch src/ tree and expects checksrc.py to
# fail on it (or, for the clean case, to pass).
set -u
here=$(cd "$(dirname "$0")" && pwd)
checker="$here/../../tools/checksrc.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

expect() { # expect pass|fail NAME PATH CONTENT
  local want=$1 name=$2 rel=$3 content=$4
  rm -rf "$tmp/src"; mkdir -p "$tmp/src/$(dirname "$rel")"
  printf '%s\n' "$content" >"$tmp/src/$rel"
  if python3 "$checker" "$tmp/src" >/dev/null 2>&1; then got=pass; else got=fail; fi
  if [ "$got" = "$want" ]; then echo "ok - style-selftest/$name"
  else echo "FAIL - style-selftest/$name (checker said $got, want $want)"; fails=$((fails+1)); fi
}

expect pass clean_proto proto/x/a.c '#include <stdint.h>
static const int table[2] = { 1, 2 };
static const char *const names[] = { "a", "b" };
struct pt { int x; };
static int helper(int v)
{
    return v + table[0];
}'
expect pass proto_prototype_with_callback proto/x/a.c 'void each(const int *t, void (*fn)(void *ud, int v), void *ud);'
expect fail proto_function_pointer_global proto/x/a.c 'void (*hook)(int v);'
expect fail proto_socket proto/x/a.c 'int open_it(void)
{
    return socket(2, 2, 0);
}'
expect fail proto_socket_header proto/x/a.c '#include <sys/socket.h>'
expect fail proto_clock proto/x/a.c '#include <stdint.h>
long now(void)
{
    struct timespec ts;
    clock_gettime(1, &ts);
    return ts.tv_sec;
}'
expect fail proto_time proto/x/a.c 'long now(void)
{
    return (long)time(0);
}'
expect fail proto_mutable_global proto/x/a.c 'static int counter;
int next(void)
{
    return ++counter;
}'
expect fail proto_mutable_pointer_array proto/x/a.c 'static const char *names[] = { "a" };'
expect fail proto_mutable_struct proto/x/a.c 'struct s { int a; } state = { 1 };'
expect fail proto_thread_local proto/x/a.c '_Thread_local int tl;'
expect pass io_may_use_sockets io/a.c 'int open_it(void)
{
    return socket(2, 2, 0);
}'
expect fail banned_sprintf core/a.c 'void f(char *b)
{
    sprintf(b, "x");
}'
expect fail banned_atoi core/a.c 'int f(const char *s)
{
    return atoi(s);
}'
expect fail raw_malloc core/a.c 'void *f(void)
{
    return malloc(3);
}'
long=$(printf 'int f(void)\n{\n'; for i in $(seq 1 160); do printf '    (void)0;\n'; done; printf '    return 0;\n}\n')
expect fail long_function core/a.c "$long"
big=$(for i in $(seq 1 1600); do printf 'extern int v%d;\n' "$i"; done)
expect fail long_file core/a.c "$big"
exit $((fails > 0))
