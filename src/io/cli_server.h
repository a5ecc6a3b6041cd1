/*
 * cli_server.h — serves CLI sessions (ctl/cli.h) on a Unix stream socket.
 *
 * The socket file is created with mode 0600 inside the state directory:
 * its permissions are the access control (whoever may open it is the
 * operator).  Wire protocol, one request at a time per connection:
 *   request:  "<op> <line>\n"   op: x = execute, c = complete, h = `?` help
 *   response: "R <status> <len> <plen>\n" then len bytes of output, then
 *             plen bytes of the prompt to show next.
 * status is an enum rg_cli_status (0 ok, 1 error, 2 yes/no question, 3
 * closed) or, for c/h, the number of candidates.  On connect the server
 * sends one response with empty output and the first prompt.  Lines are at
 * most RG_CMD_MAX_LINE bytes; at most RG_CLI_MAX_CONNS sessions.
 * Runs on the control loop's thread.
 */
#ifndef RG_IO_CLI_SERVER_H
#define RG_IO_CLI_SERVER_H

#include "core/err.h"
#include "ctl/ctl.h"
#include "io/loop.h"

#define RG_CLI_MAX_CONNS 32

struct rg_cli_conn;

struct rg_cli_server {
    struct rg_loop *loop;
    struct rg_ctl *ctl;
    int fd;
    char path[4096];
    struct rg_cli_conn *conns[RG_CLI_MAX_CONNS];
};

/* Binds path (replacing a stale socket), mode 0600, and starts accepting. */
RG_MUST_CHECK int rg_cli_server_start(struct rg_cli_server *s, struct rg_loop *loop,
                                      struct rg_ctl *ctl, const char *path);
/* Closes every session and the socket, and unlinks the socket file. */
void rg_cli_server_stop(struct rg_cli_server *s);

#endif
