/* UDP on 127.0.0.1 for the tests and benchmarks: sockets, free ports, and
 * a relay between MIKEY clients and a server that can lose datagrams or
 * note when they pass.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A non-blocking UDP socket bound to 127.0.0.1:@port (0: any); aborts the
 * test when there is none */
GSocket *test_udp_socket (guint port);
guint test_socket_port (GSocket *s);
/* A UDP port nobody uses right now */
guint test_free_port (void);

/* Whether a datagram passes (on the relay's thread): @to_server, from a
 * client to the server; otherwise an answer */
typedef gboolean (*TestRelayVerdict) (gboolean to_server, gpointer user_data);

/* What comes to the relay's port goes on to 127.0.0.1:@server_port from a
 * socket of its own; what comes back goes to the last client heard, from
 * the relay's port (so the client sees its answers come from where it
 * sent). @verdict (NULL: all pass) is asked for every datagram. */
typedef struct _TestRelay TestRelay;
TestRelay *test_relay_new (guint server_port, TestRelayVerdict verdict,
    gpointer user_data);
guint test_relay_port (TestRelay *r);
void test_relay_free (TestRelay *r);

G_END_DECLS
