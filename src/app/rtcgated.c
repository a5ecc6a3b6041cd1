/*
 * rtcgated — the rtcgate daemon.  Thin: parses arguments and runs
 * rg_daemon_run (io/daemon.h).
 *
 *   rtcgated [--state-dir DIR] [--ng ADDR:PORT] [--media-address IP]
 *            [--media-ports LO-HI]
 */
#include <stdio.h>
#include <string.h>

#include "io/daemon.h"

#define DEFAULT_STATE_DIR "/var/lib/rtcgate"

static int usage(void)
{
    fprintf(stderr, "usage: rtcgated [--state-dir DIR] [--ng ADDR:PORT] [--media-address IP] "
                    "[--media-ports LO-HI]\n"
                    "  --state-dir DIR   configuration, keys, certificates and the CLI socket "
                    "(default " DEFAULT_STATE_DIR ")\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct rg_daemon_opts o = { DEFAULT_STATE_DIR, NULL, NULL, NULL };
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--state-dir") == 0)
            slot = &o.state_dir;
        else if (strcmp(argv[i], "--ng") == 0)
            slot = &o.ng;
        else if (strcmp(argv[i], "--media-address") == 0)
            slot = &o.media_address;
        else if (strcmp(argv[i], "--media-ports") == 0)
            slot = &o.media_ports;
        if (!slot || i + 1 >= argc)
            return usage();
        *slot = argv[++i];
    }
    return rg_daemon_run(&o);
}
