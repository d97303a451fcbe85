/* GStreamer MIKEY plugin: what both elements share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gstmikeyelements.h"

#include <string.h>
#include <gnutls/x509.h>
#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY_STATIC (mikey_debug);
#define GST_CAT_DEFAULT mikey_debug

void
mikey_element_init (GstPlugin *plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
#ifdef ENABLE_NLS
    bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
    gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_MODE, 0);
    gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_DH_GROUP, 0);
    GST_DEBUG_CATEGORY_INIT (mikey_debug, "mikey", 0,
        "MIKEY plugin, what mikeyenc and mikeydec share");
    g_once_init_leave (&done, TRUE);
  }
}

void
mikey_config_init (MkyConfig *cfg, GstMikeyMode mode, GBytes *psk,
    gboolean allow_null)
{
  mky_config_init (cfg);
  switch (mode) {
    case GST_MIKEY_MODE_NULL:
      cfg->encr_alg = MKY_ENCR_NULL;
      cfg->mac_alg = MKY_MAC_NULL;
      cfg->allow_null = TRUE;
      break;
    case GST_MIKEY_MODE_PSK:
    case GST_MIKEY_MODE_RSA_R_GROUP:
    default:
      cfg->allow_null = allow_null;
      break;
  }
  if (psk)
    mky_config_set_psk (cfg, g_bytes_get_data (psk, NULL),
        g_bytes_get_size (psk));
}

GBytes *
mikey_bytes_from_buffer (const GstBuffer *buf)
{
  GstMapInfo map;
  GBytes *b;

  if (buf == NULL || gst_buffer_get_size ((GstBuffer *) buf) == 0)
    return NULL;
  if (!gst_buffer_map ((GstBuffer *) buf, &map, GST_MAP_READ))
    return NULL;
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap ((GstBuffer *) buf, &map);
  return b;
}

gchar **
mikey_strv_from_array (const GValue *array)
{
  GPtrArray *out = g_ptr_array_new ();
  guint n = gst_value_array_get_size (array);

  for (guint i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (array, i);
    if (G_VALUE_HOLDS_STRING (v) && g_value_get_string (v)
        && *g_value_get_string (v))
      g_ptr_array_add (out, g_value_dup_string (v));
  }
  if (out->len == 0) {
    g_ptr_array_free (out, TRUE);
    return NULL;
  }
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

void
mikey_strv_to_array (gchar **strv, GValue *array)
{
  for (guint i = 0; strv && strv[i]; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, strv[i]);
    gst_value_array_append_and_take_value (array, &v);
  }
}

gboolean
mikey_error_is_auth (const GError *error)
{
  if (error == NULL || error->domain != MKY_ERROR)
    return FALSE;
  switch (error->code) {
    case MKY_ERROR_BAD_MAC:
    case MKY_ERROR_BAD_SIGNATURE:
    case MKY_ERROR_BAD_ID:
    case MKY_ERROR_NOT_AUTHORIZED:
    case MKY_ERROR_CERT_UNTRUSTED:
    case MKY_ERROR_CERT_EXPIRED:
    case MKY_ERROR_CERT_REVOKED:
    case MKY_ERROR_CERT_USAGE:
      return TRUE;
    default:
      return FALSE;
  }
}

void
mikey_secret_free (GBytes *b)
{
  gsize len;
  gconstpointer d;

  if (b == NULL)
    return;
  /* the last reference: wipe it (GBytes data of our own g_bytes_new) */
  d = g_bytes_get_data (b, &len);
  if (d && len)
    explicit_bzero ((gpointer) d, len);
  g_bytes_unref (b);
}

/* The mikey_src pad */

/* messages come one per exchange or announcement: more queued than this
 * means nobody takes them, and the oldest are the least useful */
#define MAX_QUEUED 64

GstStaticPadTemplate mikey_src_template =
GST_STATIC_PAD_TEMPLATE ("mikey_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/mikey"));

/* stream-start, caps, segment, and a gap: messages are sparse, and a sink
 * there must not wait for one to preroll */
static void
out_pad_start_stream (MikeyOutPad *out)
{
  GstSegment segment;
  GstCaps *caps = gst_static_pad_template_get_caps (&mikey_src_template);
  /* as gst_pad_create_stream_id() makes one for a source (it refuses
   * elements with more than one sink pad) */
  gchar *stream_id = g_strdup_printf ("%08x%08x%08x%08x/mikey",
      g_random_int (), g_random_int (), g_random_int (), g_random_int ());

  gst_pad_push_event (out->pad, gst_event_new_stream_start (stream_id));
  g_free (stream_id);
  gst_pad_push_event (out->pad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (out->pad, gst_event_new_segment (&segment));
  gst_pad_push_event (out->pad, gst_event_new_gap (0, GST_CLOCK_TIME_NONE));
}

static void
out_pad_loop (gpointer user_data)
{
  MikeyOutPad *out = user_data;
  GstMiniObject *item;
  GstFlowReturn ret;

  /* deactivation drops the sticky events: a new run starts a new stream */
  if (!gst_pad_has_current_caps (out->pad))
    out_pad_start_stream (out);

  g_mutex_lock (&out->lock);
  while (g_queue_is_empty (&out->queue) && !out->flushing)
    g_cond_wait (&out->cond, &out->lock);
  if (out->flushing) {
    g_mutex_unlock (&out->lock);
    gst_pad_pause_task (out->pad);
    return;
  }
  item = g_queue_pop_head (&out->queue);
  g_mutex_unlock (&out->lock);

  if (GST_IS_EVENT (item)) {
    gst_pad_push_event (out->pad, GST_EVENT_CAST (item));
    return;
  }
  ret = gst_pad_push (out->pad, GST_BUFFER_CAST (item));
  /* not linked is fine: the message went to the bus as well */
  if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED)
    GST_DEBUG_OBJECT (out->pad, "message not taken: %s",
        gst_flow_get_name (ret));
}

static gboolean
out_pad_activate_mode (GstPad *pad, GstObject *parent, GstPadMode mode,
    gboolean active)
{
  MikeyOutPad *out = gst_pad_get_element_private (pad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&out->lock);
  out->flushing = !active;
  out->eos = FALSE;
  if (!active) {
    g_queue_clear_full (&out->queue, (GDestroyNotify) gst_mini_object_unref);
    g_cond_signal (&out->cond);
  }
  g_mutex_unlock (&out->lock);
  if (active)
    return gst_pad_start_task (pad, out_pad_loop, out, NULL);
  return gst_pad_stop_task (pad);
}

void
mikey_out_pad_init (MikeyOutPad *out, GstElement *element)
{
  g_mutex_init (&out->lock);
  g_cond_init (&out->cond);
  g_queue_init (&out->queue);
  out->flushing = TRUE;
  out->pad = gst_pad_new_from_static_template (&mikey_src_template,
      mikey_src_template.name_template);
  gst_pad_set_element_private (out->pad, out);
  gst_pad_set_activatemode_function (out->pad,
      GST_DEBUG_FUNCPTR (out_pad_activate_mode));
  gst_pad_use_fixed_caps (out->pad);
  gst_element_add_pad (element, out->pad);
}

void
mikey_out_pad_clear (MikeyOutPad *out)
{
  g_queue_clear_full (&out->queue, (GDestroyNotify) gst_mini_object_unref);
  g_cond_clear (&out->cond);
  g_mutex_clear (&out->lock);
}

/* Queue @item (taken) for the task, unless the pad is inactive or its
 * stream ended */
static void
out_pad_enqueue (MikeyOutPad *out, GstMiniObject *item)
{
  g_mutex_lock (&out->lock);
  if (out->flushing || out->eos) {
    gst_mini_object_unref (item);
  } else {
    /* only buffers are queued before an EOS: the head is one */
    if (out->queue.length >= MAX_QUEUED) {
      GST_DEBUG_OBJECT (out->pad, "queue full: dropping the oldest message");
      gst_mini_object_unref (g_queue_pop_head (&out->queue));
    }
    out->eos = GST_IS_EVENT (item);
    g_queue_push_tail (&out->queue, item);
    g_cond_signal (&out->cond);
  }
  g_mutex_unlock (&out->lock);
}

void
mikey_out_pad_send (MikeyOutPad *out, GBytes *message)
{
  GstElement *element = GST_ELEMENT (GST_PAD_PARENT (out->pad));
  GstBuffer *buf = gst_buffer_new_wrapped_bytes (message);
  GstStructure *s = gst_structure_new ("mikey-message", "data",
      GST_TYPE_BUFFER, buf, NULL);

  g_bytes_unref (message);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
  out_pad_enqueue (out, GST_MINI_OBJECT_CAST (buf));
}

void
mikey_out_pad_eos (MikeyOutPad *out)
{
  out_pad_enqueue (out, GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
}

/* Certificates */

void
mikey_pki_install_properties (GObjectClass *klass, guint first_id)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY;

  /**
   * GstMikeyEnc:certificate:
   *
   * Our certificate for the public-key modes: a chain file (PEM, leaf
   * first, or one DER certificate), or a `pkcs11:` URI (RFC 7512) of the
   * leaf certificate on a token, e.g.
   * `pkcs11:token=mikey;object=server;type=cert` (then only the leaf is
   * sent: its issuer must be a trust anchor of the peers). GnuTLS loads the
   * PKCS#11 modules p11-kit has registered. The same property exists on
   * mikeydec.
   *
   * Since: 0.1
   */
  g_object_class_install_property (klass,
      first_id + MIKEY_PKI_PROP_CERTIFICATE,
      g_param_spec_string ("certificate", "Certificate",
          "Our certificate for the public-key modes: chain file (PEM, leaf "
          "first, or DER) or pkcs11: URI", NULL, flags));
  /**
   * GstMikeyEnc:private-key:
   *
   * The private key of #GstMikeyEnc:certificate: a PEM or DER file
   * (PKCS#1 or PKCS#8, not encrypted) or a `pkcs11:` URI (RFC 7512; the PIN
   * as `pin-value` in the URI or from GnuTLS's PIN callback). The same
   * property exists on mikeydec.
   *
   * Since: 0.1
   */
  g_object_class_install_property (klass,
      first_id + MIKEY_PKI_PROP_PRIVATE_KEY,
      g_param_spec_string ("private-key", "Private key",
          "Private key of the certificate: PEM/DER file or pkcs11: URI",
          NULL, flags));
  /**
   * GstMikeyEnc:ca-file:
   *
   * The trust anchors (PEM, or one DER certificate) the peers'
   * certificates must chain to. The same property exists on mikeydec.
   *
   * Since: 0.1
   */
  g_object_class_install_property (klass, first_id + MIKEY_PKI_PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          "Trust anchors for the peers' certificates (PEM or DER file)",
          NULL, flags));
  /**
   * GstMikeyEnc:crl-file:
   *
   * Certificate revocation lists (PEM, or one DER CRL) applied to the
   * peers' chains. The same property exists on mikeydec.
   *
   * Since: 0.1
   */
  g_object_class_install_property (klass, first_id + MIKEY_PKI_PROP_CRL_FILE,
      g_param_spec_string ("crl-file", "CRL file",
          "Revocation lists for the peers' certificates (PEM or DER file)",
          NULL, flags));
  /**
   * GstMikeyEnc:identity:
   *
   * Our identity in ID payloads (a URI, or an NAI). It must be one of the
   * certificate's subjectAltNames; %NULL: the certificate's first URI,
   * else its first e-mail name. The same property exists on mikeydec.
   *
   * Since: 0.1
   */
  g_object_class_install_property (klass, first_id + MIKEY_PKI_PROP_IDENTITY,
      g_param_spec_string ("identity", "Identity",
          "Our MIKEY identity (default: from the certificate's "
          "subjectAltName)", NULL, flags));
}

static gchar **
pki_field (MikeyPki *pki, guint id)
{
  switch (id) {
    case MIKEY_PKI_PROP_CERTIFICATE:
      return &pki->certificate;
    case MIKEY_PKI_PROP_PRIVATE_KEY:
      return &pki->private_key;
    case MIKEY_PKI_PROP_CA_FILE:
      return &pki->ca_file;
    case MIKEY_PKI_PROP_CRL_FILE:
      return &pki->crl_file;
    case MIKEY_PKI_PROP_IDENTITY:
      return &pki->identity;
    default:
      g_assert_not_reached ();
  }
}

void
mikey_pki_set_property (MikeyPki *pki, guint id, const GValue *value)
{
  gchar **field = pki_field (pki, id);

  g_free (*field);
  *field = g_value_dup_string (value);
  /* an empty string is no setting (gst-launch "ca-file=") */
  if (*field && **field == '\0')
    g_clear_pointer (field, g_free);
}

void
mikey_pki_get_property (MikeyPki *pki, guint id, GValue *value)
{
  g_value_set_string (value, *pki_field (pki, id));
}

void
mikey_pki_clear (MikeyPki *pki)
{
  for (guint i = 0; i < MIKEY_PKI_N_PROPS; i++)
    g_clear_pointer (pki_field (pki, i), g_free);
}

void
mikey_accept_certificate_signal_new (GType type)
{
  g_signal_new ("accept-certificate", type, G_SIGNAL_RUN_LAST, 0,
      g_signal_accumulator_first_wins, NULL, NULL, G_TYPE_BOOLEAN, 2,
      G_TYPE_STRING, G_TYPE_STRING);
}

/* The application's say on a peer whose certificate chain passed every
 * check (MkyTrustCheckFunc); no handler: accepted */
static gboolean
accept_certificate (const char *identity, GBytes *leaf_der,
    gpointer user_data, GError **error)
{
  GstElement *element = user_data;
  guint id = g_signal_lookup ("accept-certificate", G_OBJECT_TYPE (element));
  gnutls_datum_t der, pem = { NULL, 0 };
  gchar *pem_str;
  gsize len;
  gboolean accept = FALSE;

  if (!g_signal_has_handler_pending (element, id, 0, FALSE))
    return TRUE;
  der.data = (unsigned char *) g_bytes_get_data (leaf_der, &len);
  der.size = len;
  if (gnutls_pem_base64_encode2 ("CERTIFICATE", &der, &pem) < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
        "the certificate does not encode as PEM");
    return FALSE;
  }
  pem_str = g_strndup ((const gchar *) pem.data, pem.size);
  gnutls_free (pem.data);
  g_signal_emit (element, id, 0, identity, pem_str, &accept);
  g_free (pem_str);
  GST_DEBUG_OBJECT (element, "certificate of %s %s by the application",
      identity ? identity : "(no identity)", accept ? "accepted" : "refused");
  if (!accept)
    g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
        "%s refused by the application (accept-certificate)",
        identity ? identity : "the peer");
  return accept;
}

gboolean
mikey_pki_load (GstElement *element, MikeyPki *pki,
    const gchar *const *allowed, gboolean server, MkyConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyTrust) trust = NULL;
  MkyCredentials *creds;
  MikeyPki s;
  gboolean ok = FALSE;

  GST_OBJECT_LOCK (element);
  for (guint i = 0; i < MIKEY_PKI_N_PROPS; i++)
    *pki_field (&s, i) = g_strdup (*pki_field (pki, i));
  GST_OBJECT_UNLOCK (element);

  if (s.certificate == NULL || s.private_key == NULL || s.ca_file == NULL) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        (_("A certificate, its private key and a CA file are needed for "
                "the public-key MIKEY modes.")),
        ("set the certificate, private-key and ca-file properties"));
    goto out;
  }
  creds = mky_credentials_new_from_files (s.certificate, s.private_key, NULL,
      &error);
  if (creds == NULL) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        (_("Could not read the certificate or its private key.")),
        ("%s", error->message));
    goto out;
  }
  cfg->credentials = creds;
  trust = mky_trust_new ();
  if (!mky_trust_add_ca_file (trust, s.ca_file, &error)
      || (s.crl_file && !mky_trust_add_crl_file (trust, s.crl_file, &error))) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        (_("Could not read the CA or CRL file.")), ("%s", error->message));
    goto out;
  }
  for (guint i = 0; allowed && allowed[i]; i++)
    mky_trust_allow (trust, allowed[i]);
  mky_trust_set_check_func (trust, accept_certificate, element, NULL);
  cfg->trust = g_steal_pointer (&trust);
  if (server)
    cfg->id_r = g_steal_pointer (&s.identity);
  else
    cfg->id_i = g_steal_pointer (&s.identity);
  GST_DEBUG_OBJECT (element, "identity %s", server ? (cfg->id_r ? cfg->id_r :
          mky_credentials_get_identity (creds)) : (cfg->id_i ? cfg->id_i :
          mky_credentials_get_identity (creds)));
  ok = TRUE;

out:
  mikey_pki_clear (&s);
  return ok;
}

MkyPeer *
mikey_peer_load (GstElement *element, const gchar *file, MkyTrust *trust)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chain = mky_cert_chain_new ();
  g_autofree gchar *data = NULL;
  gnutls_x509_crt_t *crts = NULL;
  unsigned int n = 0;
  gnutls_datum_t d;
  gsize len;
  MkyPeer *peer;

  if (file == NULL) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        (_("The receiver's certificate is needed for MIKEY public-key "
                "mode.")), ("set the peer-certificate property"));
    return NULL;
  }
  if (!g_file_get_contents (file, &data, &len, &error)) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        (_("Could not read the receiver's certificate.")),
        ("%s", error->message));
    return NULL;
  }
  d.data = (unsigned char *) data;
  d.size = len;
  if (gnutls_x509_crt_list_import2 (&crts, &n, &d, GNUTLS_X509_FMT_PEM,
          0) < 0 && gnutls_x509_crt_list_import2 (&crts, &n, &d,
          GNUTLS_X509_FMT_DER, 0) < 0)
    n = 0;
  for (unsigned int i = 0; i < n; i++) {
    gnutls_datum_t der = { NULL, 0 };
    if (gnutls_x509_crt_export2 (crts[i], GNUTLS_X509_FMT_DER, &der) >= 0)
      mky_cert_chain_add (chain, MKY_CERT_X509V3, der.data, der.size);
    gnutls_free (der.data);
    gnutls_x509_crt_deinit (crts[i]);
  }
  gnutls_free (crts);
  if (chain->len == 0) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        (_("Could not read the receiver's certificate.")),
        ("%s: no PEM or DER certificate", file));
    return NULL;
  }
  peer = mky_trust_verify (trust, chain, MKY_ID_URI, NULL,
      MKY_KEY_USAGE_ENCRYPT, g_get_real_time (), &error);
  if (peer == NULL)
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_AUTHORIZED,
        (_("The receiver's certificate is not trusted.")),
        ("%s: %s", file, error->message));
  return peer;
}

/* MIKEY over UDP */

/* the largest UDP payload */
#define MAX_DATAGRAM 65535

struct _MikeyUdp
{
  GstElement *element;          /* not referenced: it owns us */
  GSocket *socket;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  MikeyUdpFunc func;
  gpointer user_data;
  guint8 *buf;
};

static gboolean
udp_readable (GSocket *socket, GIOCondition cond, gpointer user_data)
{
  MikeyUdp *udp = user_data;

  /* everything waiting, then back to the loop */
  for (;;) {
    g_autoptr (GError) error = NULL;
    GSocketAddress *from = NULL;
    gssize n = g_socket_receive_from (socket, &from, (gchar *) udp->buf,
        MAX_DATAGRAM, NULL, &error);

    if (n < 0) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        /* e.g. an ICMP port unreachable for an earlier datagram; what
         * waits behind it comes with the next dispatch */
        GST_DEBUG_OBJECT (udp->element, "receive: %s", error->message);
      break;
    }
    if (from) {
      GBytes *d = g_bytes_new (udp->buf, n);
      udp->func (udp, d, from, udp->user_data);
      g_bytes_unref (d);
      g_object_unref (from);
    }
  }
  return G_SOURCE_CONTINUE;
}

/* on the thread even before it runs (g_main_context_invoke could run
 * @func right here) */
void
mikey_udp_invoke (MikeyUdp *udp, GSourceFunc func, gpointer user_data)
{
  GSource *src = g_idle_source_new ();

  g_source_set_priority (src, G_PRIORITY_HIGH);
  g_source_set_callback (src, func, user_data, NULL);
  g_source_attach (src, udp->context);
  g_source_unref (src);
}

static gboolean
udp_quit (gpointer data)
{
  MikeyUdp *udp = data;

  g_main_loop_quit (udp->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
udp_thread (gpointer data)
{
  MikeyUdp *udp = data;

  g_main_context_push_thread_default (udp->context);
  g_main_loop_run (udp->loop);
  g_main_context_pop_thread_default (udp->context);
  return NULL;
}

MikeyUdp *
mikey_udp_new (GstElement *element, const gchar *address,
    GSocketFamily family, guint port, MikeyUdpFunc func, gpointer user_data,
    GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocket) socket = NULL;
  MikeyUdp *udp;

  if (address) {
    inet = g_inet_address_new_from_string (address);
    if (inet == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "'%s' is no IP address", address);
      return NULL;
    }
  } else {
    inet = g_inet_address_new_any (family);
  }
  sa = g_inet_socket_address_new (inet, port);
  socket = g_socket_new (g_inet_address_get_family (inet),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL || !g_socket_bind (socket, sa, FALSE, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);

  udp = g_new0 (MikeyUdp, 1);
  udp->element = element;
  udp->socket = g_steal_pointer (&socket);
  udp->func = func;
  udp->user_data = user_data;
  udp->buf = g_malloc (MAX_DATAGRAM);
  udp->context = g_main_context_new ();
  udp->loop = g_main_loop_new (udp->context, FALSE);
  return udp;
}

guint
mikey_udp_get_port (MikeyUdp *udp)
{
  g_autoptr (GSocketAddress) sa = g_socket_get_local_address (udp->socket,
      NULL);

  return sa ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)) : 0;
}

void
mikey_udp_start (MikeyUdp *udp, GSourceFunc func, gpointer user_data)
{
  GSource *src = g_socket_create_source (udp->socket, G_IO_IN, NULL);
  g_autofree gchar *name = g_strdup_printf ("%s:udp",
      GST_OBJECT_NAME (udp->element));

  g_source_set_callback (src, G_SOURCE_FUNC (udp_readable), udp, NULL);
  g_source_attach (src, udp->context);
  g_source_unref (src);
  if (func)
    mikey_udp_invoke (udp, func, user_data);
  udp->thread = g_thread_new (name, udp_thread, udp);
}

void
mikey_udp_send (MikeyUdp *udp, GBytes *datagram, GSocketAddress *to)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const gchar *d = g_bytes_get_data (datagram, &len);

  if (g_socket_send_to (udp->socket, to, d, len, NULL, &error) < 0)
    GST_DEBUG_OBJECT (udp->element, "send: %s", error->message);
}

GSource *
mikey_udp_add_timeout (MikeyUdp *udp, guint ms, GSourceFunc func,
    gpointer user_data)
{
  GSource *src = g_timeout_source_new (ms);

  g_source_set_callback (src, func, user_data, NULL);
  g_source_attach (src, udp->context);
  return src;
}

void
mikey_udp_stop (MikeyUdp *udp)
{
  if (udp->thread) {
    mikey_udp_invoke (udp, udp_quit, udp);
    g_thread_join (udp->thread);
    udp->thread = NULL;
  }
}

void
mikey_udp_free (MikeyUdp *udp)
{
  if (udp == NULL)
    return;
  mikey_udp_stop (udp);
  g_main_loop_unref (udp->loop);
  g_main_context_unref (udp->context);
  g_socket_close (udp->socket, NULL);
  g_object_unref (udp->socket);
  g_free (udp->buf);
  g_free (udp);
}

GSocketAddress *
mikey_resolve_address (const gchar *str, guint default_port, GError **error)
{
  g_autoptr (GSocketConnectable) c = g_network_address_parse (str,
      default_port, error);
  g_autoptr (GSocketAddressEnumerator) en = NULL;
  GSocketAddress *sa;

  if (c == NULL)
    return NULL;
  en = g_socket_connectable_enumerate (c);
  sa = g_socket_address_enumerator_next (en, NULL, error);
  if (sa == NULL && error && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no address");
  return sa;
}

gchar *
mikey_address_to_string (GSocketAddress *address)
{
  GInetSocketAddress *isa;
  g_autofree gchar *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  isa = G_INET_SOCKET_ADDRESS (address);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  if (strchr (host, ':'))
    return g_strdup_printf ("[%s]:%u", host,
        g_inet_socket_address_get_port (isa));
  return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (isa));
}

GstFlowReturn
mikey_chain_each (GstPad *pad, GstObject *parent, GstBufferList *list,
    GstPadChainFunction chain)
{
  guint n = gst_buffer_list_length (list), i;
  GstBuffer **bufs = g_new (GstBuffer *, n);
  GstFlowReturn ret = GST_FLOW_OK;

  for (i = 0; i < n; i++)
    bufs[i] = gst_buffer_ref (gst_buffer_list_get (list, i));
  gst_buffer_list_unref (list);
  for (i = 0; i < n && ret == GST_FLOW_OK; i++)
    ret = chain (pad, parent, bufs[i]);
  for (; i < n; i++)
    gst_buffer_unref (bufs[i]);
  g_free (bufs);
  return ret;
}

GHashTable *
mikey_srtp_rocs (GstElement *srtp)
{
  GHashTable *rocs = g_hash_table_new (NULL, NULL);
  GstStructure *stats = NULL;
  const GValue *streams;

  if (srtp == NULL)
    return rocs;
  g_object_get (srtp, "stats", &stats, NULL);
  if (stats == NULL)
    return rocs;
  streams = gst_structure_get_value (stats, "streams");
  if (streams && GST_VALUE_HOLDS_ARRAY (streams)) {
    for (guint i = 0; i < gst_value_array_get_size (streams); i++) {
      const GValue *v = gst_value_array_get_value (streams, i);
      const GstStructure *s;
      guint ssrc, roc;

      if (!GST_VALUE_HOLDS_STRUCTURE (v))
        continue;
      s = gst_value_get_structure (v);
      if (gst_structure_get_uint (s, "ssrc", &ssrc)
          && gst_structure_get_uint (s, "roc", &roc))
        g_hash_table_insert (rocs, GUINT_TO_POINTER (ssrc),
            GUINT_TO_POINTER (roc));
    }
  }
  gst_structure_free (stats);
  return rocs;
}
