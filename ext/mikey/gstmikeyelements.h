/* GStreamer MIKEY plugin
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gio/gio.h>
#include <string.h>
#include <mky/mky.h>
#include "gstmikeyenums.h"
#include "gstmikey-enumtypes.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL void mikey_element_init (GstPlugin *plugin);

/* The MkyConfig of @mode with @psk (may be NULL) */
G_GNUC_INTERNAL void mikey_config_init (MkyConfig *cfg, GstMikeyMode mode,
    GBytes *psk, gboolean allow_null);

/* A GBytes copy of @buf (NULL for NULL or empty) */
G_GNUC_INTERNAL GBytes *mikey_bytes_from_buffer (const GstBuffer *buf);

/* The strings of a GstValueArray (NULL when empty; other values skipped),
 * and back */
G_GNUC_INTERNAL gchar **mikey_strv_from_array (const GValue *array);
G_GNUC_INTERNAL void mikey_strv_to_array (gchar **strv, GValue *array);

/* Whether @mode is MIKEY-RSA-R, group or unicast: receivers ask the
 * sender's built-in UDP server */
#define MIKEY_MODE_IS_RSA_R(mode) ((mode) == GST_MIKEY_MODE_RSA_R_GROUP \
    || (mode) == GST_MIKEY_MODE_RSA_R)

/* Whether @mode is one of the Diffie-Hellman exchanges (dh, dhhmac) */
#define MIKEY_MODE_IS_DH(mode) ((mode) == GST_MIKEY_MODE_DH \
    || (mode) == GST_MIKEY_MODE_DHHMAC)

/* Whether @error is a refusal for authentication: MAC, signature,
 * certificate, identity */
G_GNUC_INTERNAL gboolean mikey_error_is_auth (const GError *error);

/* Wipe and drop a secret */
G_GNUC_INTERNAL void mikey_secret_free (GBytes *b);

/* The mikey_src pad of either element (caps application/mikey, one
 * message per buffer). Messages go out from a task of the pad's own, so
 * that a sink there waiting for preroll, or a slow network, never holds up
 * the media path or whoever made the message. */
typedef struct
{
  GstPad *pad;
  GMutex lock;
  GCond cond;
  GQueue queue;                 /* GstBuffer, then an EOS; under @lock */
  gboolean flushing;            /* under @lock */
  gboolean eos;                 /* under @lock */
} MikeyOutPad;

G_GNUC_INTERNAL extern GstStaticPadTemplate mikey_src_template;

/* Add the mikey_src pad to @element */
G_GNUC_INTERNAL void mikey_out_pad_init (MikeyOutPad *out,
    GstElement *element);
G_GNUC_INTERNAL void mikey_out_pad_clear (MikeyOutPad *out);
/* Post @message (taken) as the element message `mikey-message` with a
 * `data` buffer, and queue it on the pad */
G_GNUC_INTERNAL void mikey_out_pad_send (MikeyOutPad *out, GBytes *message);
/* End the pad's stream after the messages queued (when the media ends, so
 * that a pipeline with a sink on mikey_src reaches EOS) */
G_GNUC_INTERNAL void mikey_out_pad_eos (MikeyOutPad *out);

/* Certificates of the public-key modes: the properties `certificate`,
 * `private-key`, `ca-file`, `crl-file` and `identity`, the same on both
 * elements (under the element's object lock) */
typedef struct
{
  gchar *certificate;
  gchar *private_key;
  gchar *ca_file;
  gchar *crl_file;
  gchar *identity;
} MikeyPki;

enum
{
  MIKEY_PKI_PROP_CERTIFICATE,
  MIKEY_PKI_PROP_PRIVATE_KEY,
  MIKEY_PKI_PROP_CA_FILE,
  MIKEY_PKI_PROP_CRL_FILE,
  MIKEY_PKI_PROP_IDENTITY,
  MIKEY_PKI_N_PROPS
};

/* Install them with the ids @first_id .. @first_id + MIKEY_PKI_N_PROPS - 1 */
G_GNUC_INTERNAL void mikey_pki_install_properties (GObjectClass *klass,
    guint first_id);
/* Set or get the one of @id (relative to @first_id); call with the object
 * lock */
G_GNUC_INTERNAL void mikey_pki_set_property (MikeyPki *pki, guint id,
    const GValue *value);
G_GNUC_INTERNAL void mikey_pki_get_property (MikeyPki *pki, guint id,
    GValue *value);
G_GNUC_INTERNAL void mikey_pki_clear (MikeyPki *pki);
/* Our credentials and the trust (CA, CRL, @allowed identity patterns) of
 * @element's settings into @cfg, our identity into @cfg->id_r (@server) or
 * @cfg->id_i. Takes the object lock. On failure posts the error and
 * returns FALSE. */
G_GNUC_INTERNAL gboolean mikey_pki_load (GstElement *element, MikeyPki *pki,
    const gchar *const *allowed, gboolean server, MkyConfig *cfg);

/* Register the `accept-certificate` signal of @type (both elements):
 * gboolean (GstElement *, const gchar *identity, const gchar *pem). Every
 * trust mikey_pki_load makes asks it last about each peer certificate. */
G_GNUC_INTERNAL void mikey_accept_certificate_signal_new (GType type);

/* The peer certificate (chain) file @file (PEM, leaf first, or DER)
 * verified with @trust for encryption (the PK-mode Responder's). On
 * failure posts the error and returns NULL. */
G_GNUC_INTERNAL MkyPeer *mikey_peer_load (GstElement *element,
    const gchar *file, MkyTrust *trust);

/* MIKEY over UDP (port 2269, RFC 3830 §10 / IANA): one socket served by a
 * thread of its own with its own GMainContext, so that neither the
 * streaming threads nor the application's main loop wait for the network
 * or for the public-key operations of an exchange. */
#define MIKEY_UDP_PORT 2269
/* A Responder sends its answer again to a repeated request this many
 * times (RFC 4738 §5's bounded repeat, as libmky's key server does); an
 * Initiator whose request went out more often unanswered makes a new one */
#define MIKEY_ANSWER_REPEATS MKY_RSA_R_MAX_REPEATS

typedef struct _MikeyUdp MikeyUdp;

/* A datagram came (on the UDP thread) */
typedef void (*MikeyUdpFunc) (MikeyUdp *udp, GBytes *datagram,
    GSocketAddress *from, gpointer user_data);

/* Bind @address (NULL: any address of @family) and @port (0: any) */
G_GNUC_INTERNAL MikeyUdp *mikey_udp_new (GstElement *element,
    const gchar *address, GSocketFamily family, guint port, MikeyUdpFunc func,
    gpointer user_data, GError **error);
G_GNUC_INTERNAL guint mikey_udp_get_port (MikeyUdp *udp);
/* Start serving; @func runs once on the thread first (may be NULL) */
G_GNUC_INTERNAL void mikey_udp_start (MikeyUdp *udp, GSourceFunc func,
    gpointer user_data);
/* Run @func once on the thread, soon (from any thread) */
G_GNUC_INTERNAL void mikey_udp_invoke (MikeyUdp *udp, GSourceFunc func,
    gpointer user_data);
/* Send (any thread); failures only logged: UDP may lose it anyway */
G_GNUC_INTERNAL void mikey_udp_send (MikeyUdp *udp, GBytes *datagram,
    GSocketAddress *to);
/* A timer on the UDP thread (call there): the returned source is
 * referenced; g_source_destroy + g_source_unref to cancel */
G_GNUC_INTERNAL GSource *mikey_udp_add_timeout (MikeyUdp *udp, guint ms,
    GSourceFunc func, gpointer user_data);
/* Stop the thread (not from it); then its timers may be destroyed */
G_GNUC_INTERNAL void mikey_udp_stop (MikeyUdp *udp);
/* Stop the thread and close the socket */
G_GNUC_INTERNAL void mikey_udp_free (MikeyUdp *udp);
/* "host" or "host:port" (default @default_port), resolved now, as udpsink
 * does when it starts */
G_GNUC_INTERNAL GSocketAddress *mikey_resolve_address (const gchar *str,
    guint default_port, GError **error);
/* "host:port" ("[host]:port" for IPv6) */
G_GNUC_INTERNAL gchar *mikey_address_to_string (GSocketAddress *address);

/* The first @len bytes of @buf into @dest; returns how many there were.
 * What gst_buffer_extract gives, at half its cost for a packet in one
 * memory: both elements read every packet's header with it. */
static inline gsize
mikey_buffer_head (GstBuffer *buf, guint8 *dest, gsize len)
{
  GstMemory *mem;
  GstMapInfo map;

  if (G_UNLIKELY (gst_buffer_n_memory (buf) == 0))
    return 0;
  mem = gst_buffer_peek_memory (buf, 0);
  if (G_UNLIKELY (mem->size < len))
    return gst_buffer_extract (buf, 0, dest, len);
  if (G_UNLIKELY (!gst_memory_map (mem, &map, GST_MAP_READ)))
    return 0;
  memcpy (dest, map.data, len);
  gst_memory_unmap (mem, &map);
  return len;
}

/* @list (taken) to @chain buffer by buffer, until one is not taken; each
 * buffer ours alone, as srtpdec 1.22 needs (it decrypts in place and
 * pushes the buffer it was given) */
G_GNUC_INTERNAL GstFlowReturn mikey_chain_each (GstPad *pad,
    GstObject *parent, GstBufferList *list, GstPadChainFunction chain);

/* SSRC -> ROC from the `stats` of srtpenc or srtpdec (@srtp may be NULL:
 * an empty table) */
G_GNUC_INTERNAL GHashTable *mikey_srtp_rocs (GstElement *srtp);

GST_ELEMENT_REGISTER_DECLARE (mikeyenc);
GST_ELEMENT_REGISTER_DECLARE (mikeydec);

G_END_DECLS
