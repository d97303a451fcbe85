/* gst-mikey-1.0: the PSK exchange subcommands, create, listen and send
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "gst-mikey.h"

#define MIKEY_PORT 2269         /* IANA "mikey", RFC 4567 */
#define MAX_DATAGRAM 65536

/* ---- the keying options create and send share ---- */

typedef struct {
  char *psk, *tgk, *tek, *salt, *mki, *roc, *prf, *encr, *mac, *cipher;
  char *auth, *id_i, *id_r;
  char **ssrc;
  gboolean null, gstreamer;
} KeyOptions;

static void
key_options_clear (KeyOptions *o)
{
  char **strings[] = { &o->psk, &o->tgk, &o->tek, &o->salt, &o->mki, &o->roc,
    &o->prf, &o->encr, &o->mac, &o->cipher, &o->auth, &o->id_i, &o->id_r };
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  g_clear_pointer (&o->ssrc, g_strfreev);
}

static GOptionGroup *
key_options_group (KeyOptions *o)
{
  const GOptionEntry entries[] = {
    { "psk", 0, 0, G_OPTION_ARG_STRING, &o->psk, "Pre-shared key", "HEX" },
    { "null", 0, 0, G_OPTION_ARG_NONE, &o->null,
        "MIKEY-NULL: KEMAC with NULL encryption and MAC, no PSK", NULL },
    { "tgk", 0, 0, G_OPTION_ARG_STRING, &o->tgk,
        "TGK to send (default: a random one, or a TEK with --gstreamer)",
        "HEX" },
    { "tek", 0, 0, G_OPTION_ARG_STRING, &o->tek,
        "TEK (SRTP master key) to send instead of a TGK; without --salt "
        "also key||salt, as srtpenc's key property", "HEX" },
    { "salt", 0, 0, G_OPTION_ARG_STRING, &o->salt,
        "Master salt sent with the TGK or TEK (default for a TEK: random)",
        "HEX" },
    { "mki", 0, 0, G_OPTION_ARG_STRING, &o->mki, "MKI (KV SPI) of the key",
        "HEX" },
    { "ssrc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->ssrc,
        "A crypto session for this SSRC; repeat for more (default: one, "
        "SSRC 0)", "N" },
    { "roc", 0, 0, G_OPTION_ARG_STRING, &o->roc,
        "ROC of the crypto sessions (default 0)", "N" },
    { "prf", 0, 0, G_OPTION_ARG_STRING, &o->prf,
        "mikey-1 (default) or hmac-sha-256", "PRF" },
    { "encr", 0, 0, G_OPTION_ARG_STRING, &o->encr,
        "KEMAC encryption: aes-cm-128 (default), aes-cm-256, aes-kw-128, "
        "null", "ALG" },
    { "mac", 0, 0, G_OPTION_ARG_STRING, &o->mac,
        "KEMAC MAC: hmac-sha-1 (default), hmac-sha-256, null", "ALG" },
    { "cipher", 0, 0, G_OPTION_ARG_STRING, &o->cipher,
        "SRTP cipher: aes-128-icm (default), aes-256-icm, aes-128-gcm, "
        "aes-256-gcm, null", "NICK" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &o->auth,
        "SRTP auth: hmac-sha1-80 (default), hmac-sha1-32, null", "NICK" },
    { "gstreamer", 0, 0, G_OPTION_ARG_NONE, &o->gstreamer,
        "GStreamer's form: TEK = key||salt, its SP, no crypto session map",
        NULL },
    { "id-i", 0, 0, G_OPTION_ARG_STRING, &o->id_i, "Initiator identity (IDi)",
        "URI" },
    { "id-r", 0, 0, G_OPTION_ARG_STRING, &o->id_r, "Responder identity (IDr)",
        "URI" },
    G_OPTION_ENTRY_NULL
  };
  GOptionGroup *g = g_option_group_new ("keying", "Keying options:",
      "Show the keying options", NULL, NULL);
  g_option_group_add_entries (g, entries);
  return g;
}

static const ToolChoice encr_choices[] = {
  { "aes-cm-128", MKY_ENCR_AES_CM_128 },
  { "aes-cm-256", MKY_ENCR_AES_CM_256 },
  { "aes-kw-128", MKY_ENCR_AES_KW_128 },
  { "null", MKY_ENCR_NULL },
  { NULL, 0 },
};

static const ToolChoice mac_choices[] = {
  { "hmac-sha-1", MKY_MAC_HMAC_SHA_1_160 },
  { "hmac-sha-256", MKY_MAC_HMAC_SHA_256_256 },
  { "null", MKY_MAC_NULL },
  { NULL, 0 },
};

static gboolean
config_from_options (const KeyOptions *o, MkyConfig *cfg, GError **error)
{
  g_autoptr (GBytes) psk = NULL;
  guint prf = cfg->prf, encr = cfg->encr_alg, mac = cfg->mac_alg;

  if (!tool_parse_choice ("--prf", o->prf, tool_prf_choices, &prf, error)
      || !tool_parse_choice ("--encr", o->encr, encr_choices, &encr, error)
      || !tool_parse_choice ("--mac", o->mac, mac_choices, &mac, error)
      || !tool_parse_hex ("--psk", o->psk, &psk, error))
    return FALSE;
  if (o->null) {
    if (psk || o->encr || o->mac)
      return tool_usage_error (error, "--null takes no --psk, --encr or --mac");
    encr = MKY_ENCR_NULL;
    mac = MKY_MAC_NULL;
  } else if (psk == NULL) {
    return tool_usage_error (error, "--psk (or --null) is required");
  }
  cfg->prf = prf;
  cfg->encr_alg = encr;
  cfg->mac_alg = mac;
  /* asking for NULL protection by name is the consent RFC 3830 wants */
  cfg->allow_null = encr == MKY_ENCR_NULL || mac == MKY_MAC_NULL;
  cfg->psk = g_steal_pointer (&psk);
  cfg->id_i = g_strdup (o->id_i);
  cfg->id_r = g_strdup (o->id_r);
  return TRUE;
}

static gboolean
add_sessions (const KeyOptions *o, MkyCsb *csb, GError **error)
{
  guint64 roc = 0, ssrc = 0;

  if (o->gstreamer) {
    if (o->ssrc || o->roc)
      return tool_usage_error (error, "--gstreamer sends no crypto session "
          "map: no --ssrc or --roc");
    return TRUE;
  }
  if (!tool_parse_uint ("--roc", o->roc, FALSE, G_MAXUINT32, &roc, error))
    return FALSE;
  if (o->ssrc == NULL) {
    mky_csb_add_cs (csb, 0, 0, roc);
    return TRUE;
  }
  for (char **s = o->ssrc; *s; s++) {
    if (!tool_parse_uint ("--ssrc", *s, FALSE, G_MAXUINT32, &ssrc, error))
      return FALSE;
    mky_csb_add_cs (csb, 0, ssrc, roc);
  }
  return TRUE;
}

static const guint8 *
data_or_null (GBytes *b)
{
  return b ? g_bytes_get_data (b, NULL) : NULL;
}

static gsize
size_or (GBytes *b, gsize dflt)
{
  return b ? g_bytes_get_size (b) : dflt;
}

/* The key data: a TGK (RFC 3830 §4.1.3), a TEK with its salt (App. A.1),
 * or GStreamer's TEK holding key||salt. Absent keys are random. */
static gboolean
add_key (const KeyOptions *o, const MkySrtpPolicy *pol, MkyCsb *csb,
    GError **error)
{
  g_autoptr (GBytes) tgk = NULL, tek = NULL, salt = NULL, mki = NULL;
  gsize master = pol->key_len + pol->salt_len;

  if (!tool_parse_hex ("--tgk", o->tgk, &tgk, error)
      || !tool_parse_hex ("--tek", o->tek, &tek, error)
      || !tool_parse_hex ("--salt", o->salt, &salt, error)
      || !tool_parse_hex ("--mki", o->mki, &mki, error))
    return FALSE;
  if (tgk && tek)
    return tool_usage_error (error, "--tgk and --tek exclude each other");

  /* srtpenc's key property is key||salt */
  if (tek && !salt && pol->salt_len && g_bytes_get_size (tek) == master) {
    GBytes *whole = tek;
    tek = g_bytes_new_from_bytes (whole, 0, pol->key_len);
    salt = g_bytes_new_from_bytes (whole, pol->key_len, pol->salt_len);
    g_bytes_unref (whole);
  }

  if (o->gstreamer) {
    g_autoptr (GByteArray) key = g_byte_array_new ();
    if (tgk)
      return tool_usage_error (error, "--gstreamer sends a TEK, not a TGK");
    if (tek) {
      g_byte_array_append (key, data_or_null (tek), g_bytes_get_size (tek));
      if (salt)
        g_byte_array_append (key, data_or_null (salt), g_bytes_get_size (salt));
    }
    mky_csb_add_key (csb, MKY_KD_TEK, tek ? key->data : NULL,
        tek ? key->len : master, NULL, 0, data_or_null (mki),
        size_or (mki, 0));
  } else if (tek) {
    mky_csb_add_key (csb, MKY_KD_TEK_SALT, data_or_null (tek),
        g_bytes_get_size (tek), data_or_null (salt),
        size_or (salt, pol->salt_len), data_or_null (mki), size_or (mki, 0));
  } else {
    mky_csb_add_key (csb, salt ? MKY_KD_TGK_SALT : MKY_KD_TGK,
        data_or_null (tgk), size_or (tgk, MAX (pol->key_len, 16)),
        data_or_null (salt), size_or (salt, 0), data_or_null (mki),
        size_or (mki, 0));
  }
  return TRUE;
}

/* The bundle and Initiator configuration the keying options describe,
 * checked to give srtpdec usable keys. */
static MkyCsb *
csb_from_options (const KeyOptions *o, MkyConfig *cfg, GError **error)
{
  g_autoptr (MkyCsb) csb = mky_csb_new (0);
  g_auto (GStrv) caps = NULL;
  const char *cipher = o->cipher ? o->cipher : "aes-128-icm";
  const char *auth = o->auth ? o->auth : "hmac-sha1-80";
  MkySrtpPolicy pol;

  /* one policy for SRTP and SRTCP, as srtpenc's properties usually give */
  if (!config_from_options (o, cfg, error)
      || !mky_srtp_policy_from_nicks (cipher, auth, cipher, auth, &pol, error)
      || !add_sessions (o, csb, error))
    return NULL;
  mky_csb_set_policy (csb, 0, &pol, o->gstreamer);
  if (!add_key (o, &pol, csb, error))
    return NULL;
  /* refuse here what the Responder would (before the RAND is drawn,
   * which changes the keys a TGK gives, not whether they are usable) */
  caps = tool_csb_caps (csb, error);
  return caps ? g_steal_pointer (&csb) : NULL;
}

/* ---- create ---- */

int
tool_create (int argc, char **argv)
{
  KeyOptions o = { 0 };
  gboolean verify = FALSE;
  g_autoptr (MkyCsb) csb = NULL;
  g_autoptr (MkyPskInitiator) ini = NULL;
  g_autoptr (GBytes) msg = NULL;
  g_autofree char *b64 = NULL;
  MkyConfig cfg;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "verify", 0, 0, G_OPTION_ARG_NONE, &verify,
        "Ask for a verification message (V bit)", NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionGroup *groups[] = { key_options_group (&o), NULL };

  mky_config_init (&cfg);
  if (!tool_parse_options (&argc, &argv, NULL, 0,
          "Print a PSK (or MIKEY-NULL) I_MESSAGE in base64.", entries, groups,
          &error))
    goto out;
  if ((verify && o.gstreamer
          && !tool_usage_error (&error, "--gstreamer sends V=0: no --verify"))
      || !(csb = csb_from_options (&o, &cfg, &error)))
    goto out;
  ini = mky_psk_initiator_new (&cfg);
  msg = mky_psk_initiator_build (ini, csb, verify, g_get_real_time (), &error);
  if (msg == NULL)
    goto out;
  b64 = g_base64_encode (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
  g_print ("%s\n", b64);

out:
  mky_config_clear (&cfg);
  key_options_clear (&o);
  return error ? tool_fail (error) : EXIT_SUCCESS;
}

/* ---- UDP ---- */

static GSocketAddress *
first_address (GSocketConnectable *where, GError **error)
{
  g_autoptr (GSocketAddressEnumerator) e = g_socket_connectable_enumerate (where);
  GSocketAddress *addr = g_socket_address_enumerator_next (e, NULL, error);

  if (addr == NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no address");
  return addr;
}

static GSocket *
udp_socket (GSocketAddress *addr, GError **error)
{
  return g_socket_new (g_socket_address_get_family (addr),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
}

/* Wait for a datagram until @deadline (monotonic time, -1: no limit):
 * NULL with G_IO_ERROR_TIMED_OUT when it passes. */
static GBytes *
receive_until (GSocket *sock, gint64 deadline, GSocketAddress **from,
    GError **error)
{
  gint64 wait = deadline < 0 ? -1 : MAX (deadline - g_get_monotonic_time (), 0);
  g_autofree guint8 *buf = NULL;
  gssize n;

  if (!g_socket_condition_timed_wait (sock, G_IO_IN, wait, NULL, error))
    return NULL;
  buf = g_malloc (MAX_DATAGRAM);
  n = g_socket_receive_from (sock, from, (char *) buf, MAX_DATAGRAM, NULL,
      error);
  return n < 0 ? NULL : g_bytes_new (buf, n);
}

static gboolean
send_datagram (GSocket *sock, GSocketAddress *to, GBytes *data, GError **error)
{
  gsize len;
  const char *d = g_bytes_get_data (data, &len);
  return g_socket_send_to (sock, to, d, len, NULL, error) >= 0;
}

static void
warn (GSocketAddress *peer, const char *what, const GError *error)
{
  g_autofree char *who = peer
      ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (peer)) : NULL;
  g_printerr ("%s: warning: %s%s%s: %s\n", g_get_prgname (), what,
      who ? " from " : "", who ? who : "", error->message);
}

/* ---- listen ---- */

int
tool_listen (int argc, char **argv)
{
  g_autofree char *psk_hex = NULL, *address = NULL, *port_text = NULL;
  g_autofree char *count_text = NULL, *timeout_text = NULL, *bound = NULL;
  g_autoptr (GBytes) psk = NULL;
  g_autoptr (GSocketConnectable) where = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (MkyPskResponder) responder = NULL;
  guint64 port = MIKEY_PORT, count = 0, timeout = 0, accepted = 0;
  gint64 deadline;
  MkyConfig cfg;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "psk", 0, 0, G_OPTION_ARG_STRING, &psk_hex, "Pre-shared key", "HEX" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
        "Address to listen on (default 127.0.0.1)", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_STRING, &port_text,
        "UDP port (default 2269; 0: any free one)", "PORT" },
    { "count", 0, 0, G_OPTION_ARG_STRING, &count_text,
        "Exit after N accepted messages (default 0: never)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
        "Fail after S seconds (default 0: never)", "S" },
    G_OPTION_ENTRY_NULL
  };

  if (!tool_parse_options (&argc, &argv, NULL, 0,
          "Answer PSK I_MESSAGEs as a Responder on UDP and print the srtpdec "
          "caps of each crypto session every accepted one sets up. The bound "
          "address goes to stderr.", entries, NULL, &error)
      || !tool_parse_hex ("--psk", psk_hex, &psk, &error)
      || !tool_parse_uint ("--port", port_text, FALSE, G_MAXUINT16, &port,
          &error)
      || !tool_parse_uint ("--count", count_text, FALSE, G_MAXUINT, &count,
          &error)
      || !tool_parse_uint ("--timeout", timeout_text, FALSE, G_MAXINT32,
          &timeout, &error))
    return tool_fail (error);
  if (psk == NULL) {
    tool_usage_error (&error, "--psk is required");
    return tool_fail (error);
  }

  where = g_network_address_new (address ? address : "127.0.0.1", port);
  if (!(local = first_address (where, &error))
      || !(sock = udp_socket (local, &error))
      || !g_socket_bind (sock, local, FALSE, &error))
    return tool_fail (error);
  g_clear_object (&local);
  if (!(local = g_socket_get_local_address (sock, &error)))
    return tool_fail (error);
  bound = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (local));
  g_printerr ("listening on %s\n", bound);

  mky_config_init (&cfg);
  cfg.psk = g_bytes_ref (psk);
  /* the tool keeps no replay state between runs: refusing everything for
   * the clock skew after each start (RFC 3830 §5.4) would leave it useless */
  responder = mky_psk_responder_new (&cfg, g_get_real_time (), FALSE);
  mky_config_clear (&cfg);

  deadline = timeout
      ? g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC : -1;
  while (count == 0 || accepted < count) {
    g_autoptr (GSocketAddress) peer = NULL;
    g_autoptr (GBytes) msg = NULL, reply = NULL;
    g_autoptr (MkyCsb) csb = NULL;
    g_autoptr (GError) refused = NULL;

    if (!(msg = receive_until (sock, deadline, &peer, &error))) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
        g_clear_error (&error);
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out "
            "after %" G_GUINT64_FORMAT " s, %" G_GUINT64_FORMAT " messages "
            "accepted", timeout, accepted);
      }
      return tool_fail (error);
    }
    csb = mky_psk_responder_handle (responder, msg, g_get_real_time (),
        &reply, &refused);
    if (reply && !send_datagram (sock, peer, reply, &error))
      return tool_fail (error);
    if (csb == NULL) {
      warn (peer, "refused a message", refused);
      continue;
    }
    if (!tool_print_caps (csb, &error))
      return tool_fail (error);
    accepted++;
  }
  return EXIT_SUCCESS;
}

/* ---- send ---- */

int
tool_send (int argc, char **argv)
{
  KeyOptions o = { 0 };
  g_autofree char *to = NULL, *retries_text = NULL, *timeout_text = NULL;
  g_autoptr (GSocketConnectable) where = NULL;
  g_autoptr (GSocketAddress) peer = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  g_autoptr (MkyPskInitiator) ini = NULL;
  g_autoptr (GBytes) msg = NULL;
  guint64 retries = 5, timeout_ms = 500;
  MkyConfig cfg;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_STRING, &to,
        "The Responder (port 2269 by default)", "HOST:PORT" },
    { "retries", 0, 0, G_OPTION_ARG_STRING, &retries_text,
        "Retransmissions without an answer (default 5)", "N" },
    { "timeout-ms", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
        "Wait for the first answer, doubled for each retransmission "
        "(default 500)", "MS" },
    G_OPTION_ENTRY_NULL
  };
  GOptionGroup *groups[] = { key_options_group (&o), NULL };
  gboolean done = FALSE;

  mky_config_init (&cfg);
  if (!tool_parse_options (&argc, &argv, NULL, 0,
          "Send a PSK I_MESSAGE asking for verification (V=1), retransmit it "
          "until the verification message comes, and print the srtpdec caps "
          "of each crypto session, as the Responder derives them.", entries,
          groups, &error)
      || !tool_parse_uint ("--retries", retries_text, FALSE, 16, &retries,
          &error)
      || !tool_parse_uint ("--timeout-ms", timeout_text, FALSE, 60000,
          &timeout_ms, &error))
    goto out;
  if ((to == NULL && !tool_usage_error (&error, "--to is required"))
      || !(csb = csb_from_options (&o, &cfg, &error))
      || !(where = g_network_address_parse (to, MIKEY_PORT, &error))
      || !(peer = first_address (where, &error))
      || !(sock = udp_socket (peer, &error)))
    goto out;
  ini = mky_psk_initiator_new (&cfg);
  if (!(msg = mky_psk_initiator_build (ini, csb, TRUE, g_get_real_time (),
              &error)))
    goto out;

  /* RFC 3830 defines no retransmission: the same message again, with
   * exponential back-off, as over any lossy datagram transport */
  for (guint attempt = 0; !done && attempt <= retries; attempt++) {
    gint64 deadline = g_get_monotonic_time () + (timeout_ms << attempt) * 1000;

    if (!send_datagram (sock, peer, msg, &error))
      goto out;
    while (!done) {
      g_autoptr (GBytes) reply = NULL;
      g_autoptr (GSocketAddress) from = NULL;
      g_autoptr (GError) bad = NULL;

      if (!(reply = receive_until (sock, deadline, &from, &error))) {
        if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
          goto out;
        g_clear_error (&error);
        break;
      }
      done = mky_psk_initiator_handle_response (ini, csb, reply, &bad);
      /* the peer's verdict ends the exchange, even unauthenticated: it is
       * reported as such (RFC 3830 §5.1.2 makes it a hint) */
      if (g_error_matches (bad, MKY_ERROR, MKY_ERROR_PEER_ERROR)) {
        error = g_steal_pointer (&bad);
        goto out;
      }
      if (bad)
        warn (from, "ignored an answer", bad);
    }
  }
  if (!done)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "no verification message from %s after %" G_GUINT64_FORMAT
        " transmissions", to, retries + 1);
  else
    tool_print_caps (csb, &error);

out:
  mky_config_clear (&cfg);
  key_options_clear (&o);
  return error ? tool_fail (error) : EXIT_SUCCESS;
}
