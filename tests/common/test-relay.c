/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test-relay.h"

#define POLL_MS 20

GSocket *
test_udp_socket (guint port)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (lo, port);
  g_autoptr (GError) error = NULL;
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, &error);

  if (s == NULL || !g_socket_bind (s, sa, FALSE, &error))
    g_error ("UDP socket on 127.0.0.1:%u: %s", port, error->message);
  g_socket_set_blocking (s, FALSE);
  return s;
}

guint
test_socket_port (GSocket *s)
{
  g_autoptr (GSocketAddress) sa = g_socket_get_local_address (s, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa));
}

guint
test_free_port (void)
{
  g_autoptr (GSocket) s = test_udp_socket (0);

  return test_socket_port (s);
}

struct _TestRelay {
  GSocket *front;               /* clients send here */
  GSocket *back;                /* to the server, from here */
  GSocketAddress *server;
  GSocketAddress *client;       /* the last client heard (relay thread) */
  TestRelayVerdict verdict;
  gpointer user_data;
  gint stop;                    /* atomic */
  GThread *thread;
};

/* Every datagram waiting on the front (@to_server) or back socket */
static void
drain (TestRelay *r, gboolean to_server)
{
  static gchar buf[65536];      /* the relay thread's only */
  GSocket *in = to_server ? r->front : r->back;

  for (;;) {
    GSocketAddress *from = NULL;
    gssize n = g_socket_receive_from (in, &from, buf, sizeof buf, NULL,
        NULL);

    if (n < 0)
      return;                   /* nothing more (or an ICMP error) */
    if (to_server)
      g_set_object (&r->client, from);
    g_object_unref (from);
    if (r->verdict && !r->verdict (to_server, r->user_data))
      continue;
    if (to_server)
      g_socket_send_to (r->back, r->server, buf, n, NULL, NULL);
    else if (r->client)
      g_socket_send_to (r->front, r->client, buf, n, NULL, NULL);
  }
}

static gpointer
relay_thread (gpointer data)
{
  TestRelay *r = data;
  GPollFD fds[2] = {
    {g_socket_get_fd (r->front), G_IO_IN, 0},
    {g_socket_get_fd (r->back), G_IO_IN, 0},
  };

  while (!g_atomic_int_get (&r->stop)) {
    if (g_poll (fds, 2, POLL_MS) <= 0)
      continue;
    if (fds[0].revents)
      drain (r, TRUE);
    if (fds[1].revents)
      drain (r, FALSE);
  }
  return NULL;
}

TestRelay *
test_relay_new (guint server_port, TestRelayVerdict verdict,
    gpointer user_data)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  TestRelay *r = g_new0 (TestRelay, 1);

  r->front = test_udp_socket (0);
  r->back = test_udp_socket (0);
  r->server = g_inet_socket_address_new (lo, server_port);
  r->verdict = verdict;
  r->user_data = user_data;
  r->thread = g_thread_new ("relay", relay_thread, r);
  return r;
}

guint
test_relay_port (TestRelay *r)
{
  return test_socket_port (r->front);
}

void
test_relay_free (TestRelay *r)
{
  if (r == NULL)
    return;
  g_atomic_int_set (&r->stop, 1);
  g_thread_join (r->thread);
  g_object_unref (r->front);
  g_object_unref (r->back);
  g_object_unref (r->server);
  g_clear_object (&r->client);
  g_free (r);
}
