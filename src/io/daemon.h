/*
 * daemon.h — rtcgated's control process: state directory, configuration
 * load or first-start defaults, the CLI socket, signals.
 *
 * rg_daemon_run: opens the state directory (ctl/store.h), loads the
 * secret key (creating it at first start), loads DIR/rtcgate.conf or — when
 * there is none — generates the factory certificate defaultDtlsSBCCert
 * (ECDSA P-256, random passphrase) into DIR/certs/ and commits the embedded
 * default configuration (ctl/defaults.h), applies the command-line
 * overrides to running (not saved), serves the CLI on DIR/cli.sock until
 * SIGTERM/SIGINT, then removes the socket.  Blocking; the calling thread
 * becomes the control thread.
 */
#ifndef RG_IO_DAEMON_H
#define RG_IO_DAEMON_H

#include "core/err.h"

struct rg_daemon_opts {
    const char *state_dir;     /* required */
    const char *ng;            /* "ADDR:PORT" or NULL */
    const char *media_address; /* IP or NULL */
    const char *media_ports;   /* "LO-HI" or NULL */
};

/* Returns 0 after a clean shutdown, non-zero (after printing why on
 * stderr) when start-up failed. */
int rg_daemon_run(const struct rg_daemon_opts *o);

#endif
