/* GStreamer MIKEY plugin: mikeydec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mikeydec
 * @title: mikeydec
 * @see_also: srtpdec, mikeyenc
 *
 * mikeydec sits in front of a stock srtpdec. It receives MIKEY (RFC 3830)
 * messages, on its mikey_sink pad (one message per buffer) or through the
 * #GstMikeyDec::push-message action signal, acts as their Responder and
 * hands the keys of each SSRC to srtpdec the way stock srtpdec takes them
 * in band (see #GstMikeyDec:keys-in-caps for keys kept out of caps): a caps
 * event carrying `ssrc`, `srtp-key`, the four
 * cipher and auth nicks, `roc` and, with MKIs, `mki` (and `srtp-key2`,
 * `mki2`...), pushed just before the first packet of that SSRC and again
 * when its keys change. SRTP and SRTCP pass through untouched. Packets of an
 * SSRC without a key are dropped (or held, see #GstMikeyDec:max-pending).
 *
 * Messages may also come in band, among the SRTP or SRTCP packets on
 * `rtp_sink` or `rtcp_sink` (as mikeyenc sends them with
 * #GstMikeyEnc:in-band): a buffer whose first byte is 0x01, the MIKEY
 * version, which no RTP or RTCP packet can start with, is taken as a
 * message and not passed on. A byte-identical repeat of the last message
 * accepted for its crypto session bundle is skipped without a word (and
 * counted in #GstMikeyDec:stats): periodic announcements are no replays,
 * and keys that did not change are not announced to srtpdec again. A
 * receiver that joins late gets its keys with the next announcement.
 *
 * A reply (a verification message the Initiator asked for, or an Error
 * message the RFC calls for, e.g. after a bad MAC) is pushed
 * on the `mikey_src` pad (`application/mikey`, one message per buffer,
 * from a thread of that pad's own; the stream there ends when `rtp_sink`'s
 * does) and posted as an element message `mikey-message` with a `data`
 * buffer.
 *
 * During a sender's re-key (#GstMikeyEnc::rekey) the keys of an SSRC
 * overlap: the caps then carry both (`srtp-key` and `mki`, `srtp-key2` and
 * `mki2`) and srtpdec picks the key by each packet's MKI, so nothing is
 * lost at the switch. srtpdec 1.22 does not take new caps for a stream
 * whose keys have MKIs, so mikeydec makes a srtpdec linked right after it
 * drop that SSRC's stream (its `remove-key` action) just before such caps,
 * and the caps make it anew with the ROC they carry: for re-keys with
 * MKIs, link mikeydec to srtpdec directly.
 *
 * Like srtpdec's own caps, the caps mikeydec pushes carry the master keys:
 * `gst-launch-1.0 -v` prints them, unless #GstMikeyDec:keys-in-caps is
 * off, and srtpdec asks for them by its `request-key` signal instead. Its counters (#GstMikeyDec:stats: packets
 * passed with a key, dropped for lack of one, keys and re-keys received)
 * are posted as the element message `mikey-stats` at EOS and when
 * stopping, so `gst-launch-1.0 -m` shows the final ones.
 *
 * With #GstMikeyDec:mode `rsa-r-group` mikeydec is a member of a
 * MIKEY-RSA-R group (RFC 4738 §3.2) instead: going from READY to PAUSED it
 * sends its signed I_MESSAGE (with #GstMikeyDec:certificate) over UDP to
 * the group key server #GstMikeyDec:server (mikeyenc in the same mode),
 * and sends the same bytes again after #GstMikeyDec:retransmit-timeout,
 * then twice as long each time, until an R_MESSAGE from a server whose
 * certificate chains to #GstMikeyDec:ca-file comes or
 * #GstMikeyDec:join-timeout has passed. This runs on a thread of its own;
 * packets wait meanwhile (#GstMikeyDec:max-pending) or are dropped. The
 * group's keys then reach srtpdec as in the other modes, and an element
 * message `mikey-joined` (`server-identity`, `server-address`, `csb-id`)
 * is posted. If the server answers with an Error message (it refused our
 * certificate or identity), mikeydec stops asking, and unless a valid
 * answer still comes within the current retransmission interval (an Error
 * message is not authenticated), posts a RESOURCE / NOT_AUTHORIZED error;
 * no answer by the join timeout is a RESOURCE / OPEN_READ error. Either
 * way no keys, so no media.
 *
 * Once in the group mikeydec re-joins every #GstMikeyDec:rejoin-interval to
 * follow re-keys, and at once when packets of an SSRC come that the last
 * answer had no keys for (a stream the sender began after our join, or a
 * second one when we joined before the sender had any and its crypto
 * session of SSRC 0 went to the first); those packets wait meanwhile. It
 * asks at most twice for an SSRC, so a stream the server does not know
 * costs two requests, not one per packet.
 *
 * The same when the sender switches to the next key after a sequence
 * number wrap: srtpenc before 1.30 restarts its ROC then, and only the
 * key server can tell. So mikeydec watches each SSRC's packets while it
 * has the next key, and at the first one under it (its MKI) holds that
 * SSRC's packets (up to #GstMikeyDec:max-pending, at least 256) and
 * re-joins at once if its ROC may differ (ours is not 0); the answer lists
 * the new key first with the sender's ROC. With messages out of band in
 * the other modes it holds them until the sender's message at the switch
 * comes; after 256 (or #GstMikeyDec:max-pending) they go on with the ROC
 * at hand.
 *
 * With #GstMikeyDec:mode `rsa-r` (RFC 4738 unicast) mikeydec asks
 * #GstMikeyDec:server the same way, with the same properties, timers and
 * errors, but in an exchange of its own: a unicast request (with our
 * RAND, no streams of ours) answered with the sender's keys; a refusal is
 * a RESOURCE / NOT_AUTHORIZED error. The sender's srtpenc has one key, so
 * all receivers of one mikeyenc get the same.
 *
 * With #GstMikeyDec:mode `pk` mikeydec is the Responder of RFC 3830
 * public-key mode (messages from mikeyenc in the same mode, by any of the
 * ways above): #GstMikeyDec:private-key opens the envelope key encrypted
 * to #GstMikeyDec:certificate, and the sender's certificate chain must
 * lead to #GstMikeyDec:ca-file (not revoked by #GstMikeyDec:crl-file).
 * A message for another receiver's certificate, or from a sender that is
 * not trusted, is refused with a RESOURCE / NOT_AUTHORIZED warning.
 *
 * With #GstMikeyDec:mode `dh` (RFC 3830 §3.3: #GstMikeyDec:certificate
 * signs, the sender's chain must lead to #GstMikeyDec:ca-file) or `dhhmac`
 * (RFC 4650: #GstMikeyDec:psk, and #GstMikeyDec:identity, which the
 * sender's `peer-identity` must equal) mikeydec is the Responder of a
 * Diffie-Hellman exchange: from PAUSED on it waits on UDP
 * #GstMikeyDec:port for mikeyenc's I_MESSAGE and answers it (the same
 * answer again, at most 3 times, when the sender repeats a request whose
 * answer it lost). The keys of crypto session 1 (of SSRC 0) go to every
 * SSRC that comes, since the sender's srtpenc protects all with that one
 * key; the exchange is posted as `mikey-exchange-done` (`peer-address`,
 * `csb-id`, in dh mode `peer-identity`). The sender re-keys with new
 * exchanges, updates of the same bundle (RFC 3830 §4.5): each brings a new
 * key under the MKI the sender's DHi names, which goes to srtpdec beside
 * the key in use (`srtp-key2`, `mki2`) until the next re-key, so no packet
 * fails at the sender's switch; each is posted as `mikey-exchange-done`
 * too. The exchange gives ROC 0, srtpenc 1.22's under a new key: srtpdec
 * keeps its own ROC for the key in use, and moves to 0 at the first packet
 * under the new key, so a re-key after a wrap loses nothing. A request
 * that fails authentication (a wrong PSK, an untrusted certificate, a bad
 * signature) is answered with an Error message and posted once as a
 * RESOURCE / NOT_AUTHORIZED warning (not an error: anyone can send a
 * request, and a forged one must not stop the receiver); no keys come
 * from it.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-srtp, media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8" ! mikeydec name=md psk=000102030405060708090a0b0c0d0e0f ! srtpdec ! rtppcmadepay ! alawdec ! autoaudiosink  udpsrc port=2269 caps=application/mikey ! md.mikey_sink  md.mikey_src ! udpsink host=127.0.0.1 port=2270
 * ]| keys on a port of their own, replies to another.
 * |[
 * gst-launch-1.0 udpsrc address=239.1.2.3 port=5004 caps="application/x-srtp, media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8" ! mikeydec psk=000102030405060708090a0b0c0d0e0f max-pending=50 ! srtpdec ! rtppcmadepay ! alawdec ! autoaudiosink
 * ]| keys in band (mikeyenc in-band=true), packets held until they come.
 * |[
 * gst-launch-1.0 udpsrc address=239.1.2.3 port=5004 caps="application/x-srtp, media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8" ! mikeydec mode=rsa-r-group server=keys.example.com certificate=member.pem private-key=member.key ca-file=ca.pem max-pending=50 ! srtpdec ! rtppcmadepay ! alawdec ! autoaudiosink
 * ]| a group member, keyed by the key server on keys.example.com:2269.
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-srtp, media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8" ! mikeydec mode=pk certificate=receiver.pem private-key=receiver.key ca-file=ca.pem max-pending=50 ! srtpdec ! rtppcmadepay ! alawdec ! autoaudiosink
 * ]| the receiver of public-key mode messages in band (mikeyenc mode=pk
 * peer-certificate=receiver.pem in-band=true).
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-srtp, media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8" ! mikeydec mode=dhhmac psk=000102030405060708090a0b0c0d0e0f identity='"sip:bob@example.org"' port=2269 ! srtpdec ! rtppcmadepay ! alawdec ! autoaudiosink
 * ]| the receiver of a DH-HMAC exchange (mikeyenc `peer=HOST:2269`).
 *
 * Since: 0.1
 */
#include "gstmikeyelements.h"
#include "gstmikeydec.h"

#include <string.h>
#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY_STATIC (gst_mikey_dec_debug);
#define GST_CAT_DEFAULT gst_mikey_dec_debug

#define DEFAULT_MODE GST_MIKEY_MODE_PSK
#define DEFAULT_ALLOW_NULL FALSE
#define DEFAULT_MAX_PENDING 0
#define MAX_MAX_PENDING 65536
#define DEFAULT_RETRANSMIT_TIMEOUT 500
#define DEFAULT_JOIN_TIMEOUT 10000
/* below mikeyenc's default rekey-lead (2000 ms): a member re-joins between
 * a re-key's announcement and its switch */
#define DEFAULT_REJOIN_INTERVAL 1500
#define DEFAULT_KEYS_IN_CAPS TRUE
#define DEFAULT_PORT MIKEY_UDP_PORT

enum
{
  PROP_0,
  PROP_MODE,
  PROP_PSK,
  PROP_ALLOW_NULL,
  PROP_MAX_PENDING,
  PROP_STATS,
  PROP_SERVER,
  PROP_RETRANSMIT_TIMEOUT,
  PROP_JOIN_TIMEOUT,
  PROP_REJOIN_INTERVAL,
  PROP_KEYS_IN_CAPS,
  PROP_PORT,
  N_PROPERTIES,
  /* certificate, private-key, ca-file, crl-file, identity */
  PROP_PKI_FIRST = N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

enum
{
  SIGNAL_PUSH_MESSAGE,
  SIGNAL_ON_KEY_RECEIVED,
  SIGNAL_GET_KEYS,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* the two media paths */
enum
{
  PATH_RTP = 0,
  PATH_RTCP = 1,
  N_PATHS
};

static GstStaticPadTemplate rtp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtp_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtp"));
static GstStaticPadTemplate rtp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtp_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtp"));
static GstStaticPadTemplate rtcp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtcp"));
static GstStaticPadTemplate rtcp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtcp"));
static GstStaticPadTemplate mikey_sink_template =
GST_STATIC_PAD_TEMPLATE ("mikey_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/mikey"));

/* The state of one SSRC */
#define MAX_WATCHED_MKI 16

typedef struct
{
  guint32 ssrc;
  GstStructure *keying;         /* srtpdec's fields; NULL: no key yet */
  guint generation;             /* bumped with every new keying */
  guint announced[N_PATHS];     /* generation announced on each src pad */
  guint32 csb_id;
  guint32 roc;
  GQueue pending;               /* GstBuffer, with its path in qdata */
  guint pending_path[N_PATHS];  /* how many of each path are held */
  guint64 passed;
  guint64 dropped;
  gboolean warned;
  /* rsa-r modes: re-joins asked for its keys, the last after answer
   * number @asked_at */
  guint asks;
  guint asked_at;
  /* while its keys include the next one: that MKI, where it sits from an
   * SRTP packet's end, and (but in dh modes) whether a packet under it
   * came (the sender's switch) and its packets wait for the ROC the
   * sender now uses */
  guint8 next_mki[MAX_WATCHED_MKI];
  guint next_mki_len;
  guint next_mki_offset;
  gboolean switching;
  /* dh modes: the ROC the exchange gave for the next key, taken at the
   * switch (the key in use keeps srtpdec's count until then) */
  gboolean switch_roc_known;
  guint32 switch_roc;
} SsrcEntry;

/* A crypto session of SSRC 0, waiting for the first SSRC without a key */
typedef struct
{
  GstStructure *keying;
  guint32 csb_id;
  guint32 roc;
} Unbound;

struct _GstMikeyDec
{
  GstElement parent;

  GstPad *sinkpad[N_PATHS];
  GstPad *srcpad[N_PATHS];
  GstPad *mikey_sink;
  MikeyOutPad out;

  /* the rest under the object lock */
  GstMikeyMode mode;
  GBytes *psk;
  gboolean allow_null;
  guint max_pending;
  MikeyPki pki;
  gchar *server_prop;
  guint retransmit_timeout;     /* ms */
  guint join_timeout;           /* ms */
  guint rejoin_interval;        /* ms */
  gboolean keys_in_caps;

  /* the srtpdec after us whose request-key we answer (keys-in-caps off),
   * PAUSED and up */
  GstElement *srtpdec;
  gulong request_key_id;

  /* joining the group (rsa-r-group), PAUSED and up; but for udp, used on
   * the UDP thread only */
  MikeyUdp *udp;
  gchar *server;                /* server_prop when the join started */
  MkyRsaRInitiator *member;
  gboolean unicast;             /* rsa-r: a unicast exchange, no group */
  GBytes *request;
  guint request_sends;          /* times @request went out */
  GSocketAddress *server_addr;
  GSource *timer;
  GSource *rejoin_timer;
  gboolean joined;              /* once; later answers are re-joins */
  gint64 join_deadline;         /* monotonic */
  guint wait;                   /* ms, the current retransmission interval */
  gchar *refusal;               /* an Error message came: why */
  gboolean join_done;
  gint64 request_made;          /* monotonic, of @request */
  gint64 switch_seen;           /* monotonic, a switch to the next key;
                                 * under the object lock */
  const gchar *join_state;      /* for stats, under the object lock */
  guint64 requests_sent;        /* under the object lock */
  guint64 rejoins;              /* under the object lock */
  guint answers;                /* applied; under the object lock */

  /* dh, dhhmac: the Responder on UDP port @port, PAUSED and up (udp;
   * used on the UDP thread only) */
  guint port;
  MkyDhResponder *dh;
  GBytes *dh_last_request;
  GBytes *dh_last_reply;
  guint dh_repeats;
  gboolean dh_refusal_posted;
  /* CS 1 of an exchange whose CS map has SSRC 0: the keys of every SSRC
   * that has none of its own (srtpenc protects all with one key) */
  GstStructure *any_keying;
  guint32 any_csb_id;
  /* srtpdec's SSRC -> ROC while an exchange's keys are applied */
  GHashTable *srtpdec_rocs;

  MkyPskResponder *responder;
  MkyPkResponder *pk_responder; /* pk mode */
  GHashTable *last_accepted;    /* CSB ID -> GBytes, its last message */
  GHashTable *ssrcs;            /* SSRC -> SsrcEntry */
  GPtrArray *order;             /* SsrcEntry, in the order first seen */
  GQueue unbound;               /* Unbound */
  guint pending_total[N_PATHS]; /* buffers held, all SSRCs */
  SsrcEntry *last[N_PATHS];     /* of the last packet, a lookup saved */
  GstCaps *upstream_caps[N_PATHS];
  /* held packets to release now, by the task of that path's src pad
   * (keys may come on any thread); under the object lock */
  gboolean release[N_PATHS];
  gboolean release_stop[N_PATHS];
  GCond release_cond;

  guint64 messages_accepted;
  guint64 messages_refused;
  guint64 messages_repeated;
  guint64 packets_keyed;        /* passed on, after caps with their keys */
  guint64 packets_dropped;      /* for lack of a key */
  guint64 packets_invalid;      /* no RTP or RTCP packet */
  guint64 keys_received;        /* new keys for an SSRC */
  guint64 rekeys_followed;      /* ... that replaced keys it had */
};

#define gst_mikey_dec_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMikeyDec, gst_mikey_dec, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_mikey_dec_debug, "mikeydec", 0,
        "MIKEY key management for srtpdec"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (mikeydec, "mikeydec", GST_RANK_NONE,
    GST_TYPE_MIKEY_DEC, mikey_element_init (plugin));

static GQuark path_quark;

static void
ssrc_entry_free (SsrcEntry *e)
{
  g_clear_pointer (&e->keying, gst_structure_free);
  g_queue_clear_full (&e->pending, (GDestroyNotify) gst_buffer_unref);
  g_free (e);
}

static void
unbound_free (Unbound *u)
{
  gst_structure_free (u->keying);
  g_free (u);
}

/* call with the object lock */
static SsrcEntry *
get_entry (GstMikeyDec *self, guint32 ssrc)
{
  SsrcEntry *e = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (ssrc));

  if (e == NULL) {
    e = g_new0 (SsrcEntry, 1);
    e->ssrc = ssrc;
    g_queue_init (&e->pending);
    g_hash_table_insert (self->ssrcs, GUINT_TO_POINTER (ssrc), e);
    g_ptr_array_add (self->order, e);
  }
  return e;
}

/* Give @e the keying @keying (taken). Returns TRUE when it changed.
 * Call with the object lock. */
/* srtpenc before 1.30 restarts its ROC when it switches to the next key;
 * in band a message says so before the first packet under it, but a
 * member (rsa-r modes) learns it only from an answer, and a receiver of
 * out-of-band messages from a message that comes later: so we watch for
 * that packet (see roc_may_restart). The second key is the next one
 * unless it is the one that came first before (@old_first: the keys of a
 * switch not yet retired). A dh-mode update (RFC 3830 §4.5) puts the new
 * key first and the one in use second, with the ROC the sender will have
 * under the new key (0): until its first packet, srtpdec keeps counting
 * under the old key (self->srtpdec_rocs). Call with the object lock. */
static void
watch_next_key (GstMikeyDec *self, SsrcEntry *e, const GValue *old_first)
{
  const GValue *mki = gst_structure_get_value (e->keying, "mki2");
  const GValue *first;
  MkySrtpPolicy pol;
  gpointer roc;
  gsize len;

  e->next_mki_len = 0;
  e->switching = FALSE;
  e->switch_roc_known = FALSE;
  first = gst_structure_get_value (e->keying, "mki");
  /* (or the same next key again: the sender lost our answer and made a
   * new exchange under its MKI) */
  if (MIKEY_MODE_IS_DH (self->mode) && old_first && mki && first
      && (gst_value_compare (mki, old_first) == GST_VALUE_EQUAL
          || gst_value_compare (first, old_first) == GST_VALUE_EQUAL)) {
    mki = first;
    e->switch_roc = e->roc;
    e->switch_roc_known = TRUE;
    if (self->srtpdec_rocs && g_hash_table_lookup_extended
        (self->srtpdec_rocs, GUINT_TO_POINTER (e->ssrc), NULL, &roc)) {
      e->roc = GPOINTER_TO_UINT (roc);
      gst_structure_set (e->keying, "roc", G_TYPE_UINT, e->roc, NULL);
    }
  } else if (MIKEY_MODE_IS_DH (self->mode) || (old_first && mki
          && gst_value_compare (mki, old_first) == GST_VALUE_EQUAL)) {
    return;
  }
  if (mki == NULL || !GST_VALUE_HOLDS_BUFFER (mki)
      || !mky_srtp_policy_from_nicks (gst_structure_get_string (e->keying,
              "srtp-cipher"), gst_structure_get_string (e->keying,
              "srtp-auth"), gst_structure_get_string (e->keying,
              "srtcp-cipher"), gst_structure_get_string (e->keying,
              "srtcp-auth"), &pol, NULL))
    return;
  len = gst_buffer_get_size (gst_value_get_buffer (mki));
  if (len == 0 || len > sizeof e->next_mki)
    return;
  gst_buffer_extract (gst_value_get_buffer (mki), 0, e->next_mki, len);
  e->next_mki_len = len;
  /* libsrtp: payload, MKI, HMAC tag; with GCM the tag is in the payload */
  e->next_mki_offset = len + (pol.srtp_cipher == MKY_SRTP_CIPHER_AES_128_GCM
      || pol.srtp_cipher == MKY_SRTP_CIPHER_AES_256_GCM ? 0 : pol.tag_len);
}

/* Whether SRTP packet @buf of @e carries the next key's MKI */
static gboolean
under_next_key (SsrcEntry *e, GstBuffer *buf)
{
  gsize size = gst_buffer_get_size (buf);

  return e->next_mki_len > 0 && size >= 12 + e->next_mki_offset
      && gst_buffer_memcmp (buf, size - e->next_mki_offset, e->next_mki,
      e->next_mki_len) == 0;
}

static gboolean
entry_set_keying (GstMikeyDec *self, SsrcEntry *e, GstStructure *keying,
    guint32 csb_id, guint32 roc)
{
  GstStructure *old = e->keying;

  gst_structure_set (keying, "ssrc", G_TYPE_UINT, e->ssrc, NULL);
  e->csb_id = csb_id;
  if (old && gst_structure_is_equal (old, keying)) {
    gst_structure_free (keying);
    return FALSE;
  }
  self->keys_received++;
  if (old)
    self->rekeys_followed++;
  e->keying = keying;
  e->roc = roc;
  e->generation++;
  watch_next_key (self, e, old ? gst_structure_get_value (old, "mki") :
      NULL);
  if (old)
    gst_structure_free (old);
  return TRUE;
}

/* The SSRC of a packet from its first @n (up to 12) bytes @head: the RTP
 * header's, or for RTCP (the rtcp pad, or payload types 64..80 on the rtp
 * pad, as srtpdec does) that of the first packet of the compound, which
 * SRTCP leaves in the clear */
static gboolean
packet_ssrc (const guint8 *head, gsize n, gboolean rtcp_pad, guint32 *ssrc)
{
  guint pt;

  if (n < 8 || head[0] >> 6 != 2)
    return FALSE;
  pt = head[1] & 0x7f;
  if (rtcp_pad || (pt >= 64 && pt <= 80)) {
    *ssrc = GST_READ_UINT32_BE (head + 4);
    return TRUE;
  }
  if (n < 12)
    return FALSE;
  *ssrc = GST_READ_UINT32_BE (head + 8);
  return TRUE;
}

static const char *const key_fields[] = {
  "srtp-key", "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth",
  "roc", "mki", NULL
};

static gboolean
strip_key_field (GQuark field, GValue *value, gpointer user_data)
{
  const char *name = g_quark_to_string (field);

  for (guint i = 0; key_fields[i]; i++)
    if (strcmp (name, key_fields[i]) == 0)
      return FALSE;
  /* srtp-keyN, mkiN */
  if (g_str_has_prefix (name, "srtp-key") || (g_str_has_prefix (name, "mki")
          && g_ascii_isdigit (name[3])))
    return FALSE;
  return TRUE;
}

static gboolean
copy_field (GQuark field, const GValue *value, gpointer user_data)
{
  gst_structure_id_set_value (user_data, field, value);
  return TRUE;
}

/* The caps to announce @e on @path: upstream caps + its keying.
 * Call with the object lock. */
static GstCaps *
entry_caps (GstMikeyDec *self, SsrcEntry *e, guint path)
{
  GstCaps *caps;
  GstStructure *s;

  if (self->upstream_caps[path] && !gst_caps_is_empty
      (self->upstream_caps[path]))
    caps = gst_caps_copy (self->upstream_caps[path]);
  else
    caps = gst_caps_new_empty_simple (path == PATH_RTP ?
        "application/x-srtp" : "application/x-srtcp");
  caps = gst_caps_truncate (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_filter_and_map_in_place (s, strip_key_field, NULL);
  if (self->keys_in_caps)
    gst_structure_foreach (e->keying, copy_field, s);
  gst_structure_set (s, "ssrc", G_TYPE_UINT, e->ssrc, NULL);
  return caps;
}

/* Move what can go out on @path now into @out (GstCaps and GstBuffer in
 * push order): the held buffers of every keyed SSRC, each after the caps
 * of its keys if not yet announced. Call with the object lock. */
static void
collect_ready (GstMikeyDec *self, guint path, GQueue *out)
{
  for (guint i = 0; i < self->order->len; i++) {
    SsrcEntry *e = self->order->pdata[i];
    GList *l, *next;

    if (e->keying == NULL || e->switching || e->pending_path[path] == 0)
      continue;
    self->pending_total[path] -= e->pending_path[path];
    if (e->announced[path] != e->generation) {
      g_queue_push_tail (out, entry_caps (self, e, path));
      e->announced[path] = e->generation;
    }
    for (l = e->pending.head; l; l = next) {
      GstBuffer *b = l->data;
      next = l->next;
      if (GPOINTER_TO_UINT (gst_mini_object_get_qdata (GST_MINI_OBJECT (b),
                  path_quark)) != path + 1)
        continue;
      g_queue_delete_link (&e->pending, l);
      e->pending_path[path]--;
      e->passed++;
      self->packets_keyed++;
      g_queue_push_tail (out, b);
    }
  }
}

static gboolean
collect_sticky (GstPad *pad, GstEvent **event, gpointer user_data)
{
  GPtrArray *events = user_data;
  GstEventType t = GST_EVENT_TYPE (*event);

  if (t > GST_EVENT_CAPS && t != GST_EVENT_EOS)
    g_ptr_array_add (events, gst_event_ref (*event));
  return TRUE;
}

/* The srtpdec linked right after @path's src pad, or NULL */
static GstElement *
next_srtpdec (GstMikeyDec *self, guint path)
{
  GstPad *peer = gst_pad_get_peer (self->srcpad[path]);
  GstElement *srtpdec = NULL;

  if (peer) {
    srtpdec = gst_pad_get_parent_element (peer);
    gst_object_unref (peer);
  }
  if (srtpdec && strcmp (G_OBJECT_TYPE_NAME (srtpdec), "GstSrtpDec") != 0)
    gst_clear_object (&srtpdec);
  return srtpdec;
}

/* srtpdec (1.22) keeps the stream of an SSRC whose keys have MKIs
 * whatever new caps say (it compares only a key without MKI), and asks by
 * request-key only for an SSRC it has no stream of: so that the keys of a
 * re-key (the next key added, the keys swapped at the switch, the old one
 * dropped, a new ROC) take effect, it drops that stream first, and the
 * caps, or its next request-key, make a new one. Only a srtpdec right
 * after us. */
static void
srtpdec_forget_stream (GstMikeyDec *self, guint path, GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  GstElement *srtpdec;
  guint ssrc;

  if ((!gst_structure_has_field (s, "mki")
          && gst_structure_has_field (s, "srtp-key"))
      || !gst_structure_get_uint (s, "ssrc", &ssrc))
    return;
  srtpdec = next_srtpdec (self, path);
  if (srtpdec) {
    g_signal_emit_by_name (srtpdec, "remove-key", ssrc);
    gst_object_unref (srtpdec);
  }
}

/* The srtpdec caps of @ssrc's keys (NULL if none), for srtpdec's
 * request-key: on srtpdec's streaming thread with its object lock held,
 * so only ours is taken here */
static GstCaps *
gst_mikey_dec_get_keys (GstMikeyDec *self, guint ssrc)
{
  SsrcEntry *e;
  GstCaps *caps = NULL;

  GST_OBJECT_LOCK (self);
  e = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (ssrc));
  if (e && e->keying) {
    GstStructure *s = gst_structure_copy (e->keying);
    gst_structure_set_name (s, "application/x-srtp");
    caps = gst_caps_new_full (s, NULL);
  }
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "keys for SSRC %u asked: %s", ssrc,
      caps ? "given" : "none");
  return caps;
}

static GstCaps *
on_request_key (GstElement *srtpdec, guint ssrc, GstMikeyDec *self)
{
  return gst_mikey_dec_get_keys (self, ssrc);
}

/* With keys-in-caps off, answer the request-key of a srtpdec right after
 * us (the application connects any other srtpdec to get-keys) */
static void
connect_srtpdec (GstMikeyDec *self)
{
  GstElement *srtpdec;
  gboolean keys_in_caps;

  GST_OBJECT_LOCK (self);
  keys_in_caps = self->keys_in_caps;
  GST_OBJECT_UNLOCK (self);
  if (keys_in_caps || (srtpdec = next_srtpdec (self, PATH_RTP)) == NULL)
    return;
  self->request_key_id = g_signal_connect_object (srtpdec, "request-key",
      G_CALLBACK (on_request_key), self, 0);
  self->srtpdec = srtpdec;
  GST_DEBUG_OBJECT (self, "answering request-key of %" GST_PTR_FORMAT,
      srtpdec);
}

static void
disconnect_srtpdec (GstMikeyDec *self)
{
  if (self->srtpdec == NULL)
    return;
  g_signal_handler_disconnect (self->srtpdec, self->request_key_id);
  self->request_key_id = 0;
  gst_clear_object (&self->srtpdec);
}

static gboolean
push_caps (GstMikeyDec *self, guint path, GstCaps *caps)
{
  GstPad *src = self->srcpad[path];
  gboolean had_caps = gst_pad_has_current_caps (src);
  gboolean ok;

  srtpdec_forget_stream (self, path, caps);

  GST_DEBUG_OBJECT (src, "keys for SSRC %u",
      g_value_get_uint (gst_structure_get_value (gst_caps_get_structure
              (caps, 0), "ssrc")));
  GST_TRACE_OBJECT (src, "caps %" GST_PTR_FORMAT, caps);
  ok = gst_pad_push_event (src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  /* the segment and the rest waited on the sink pad for these first caps
   * (caps after a segment is a sticky-event misordering) */
  if (ok && !had_caps) {
    GPtrArray *events = g_ptr_array_new ();
    gst_pad_sticky_events_foreach (self->sinkpad[path], collect_sticky,
        events);
    for (guint i = 0; i < events->len; i++)
      gst_pad_push_event (src, events->pdata[i]);
    g_ptr_array_free (events, TRUE);
  }
  return ok;
}

static GstFlowReturn
push_items (GstMikeyDec *self, guint path, GQueue *items)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gpointer item;

  while ((item = g_queue_pop_head (items))) {
    if (ret != GST_FLOW_OK) {
      gst_mini_object_unref (item);
      continue;
    }
    if (GST_IS_CAPS (item)) {
      if (!push_caps (self, path, item))
        ret = GST_FLOW_NOT_NEGOTIATED;
    } else {
      gst_mini_object_set_qdata (item, path_quark, NULL, NULL);
      ret = gst_pad_push (self->srcpad[path], item);
    }
  }
  return ret;
}

/* Keys came: the packets held on a path go out at once, not with its
 * next packet (there may be none for a while). Call with the object
 * lock. */
static void
wake_release (GstMikeyDec *self)
{
  for (guint p = 0; p < N_PATHS; p++)
    if (self->pending_total[p] > 0)
      self->release[p] = TRUE;
  g_cond_broadcast (&self->release_cond);
}

/* The task of a src pad: pushes what wake_release asked for. It takes the
 * sink pad's stream lock, so it pushes as that pad's streaming thread
 * would, in order with the chain and serialized events, whatever thread
 * the keys came on (the UDP thread, mikey_sink's, the application's). */
static void
release_loop (gpointer user_data)
{
  GstPad *src = user_data;
  GstMikeyDec *self = GST_MIKEY_DEC (GST_PAD_PARENT (src));
  guint path = src == self->srcpad[PATH_RTCP] ? PATH_RTCP : PATH_RTP;
  GQueue items = G_QUEUE_INIT;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (self);
  while (!self->release[path] && !self->release_stop[path])
    g_cond_wait (&self->release_cond, GST_OBJECT_GET_LOCK (self));
  if (self->release_stop[path]) {
    GST_OBJECT_UNLOCK (self);
    gst_pad_pause_task (src);
    return;
  }
  self->release[path] = FALSE;
  GST_OBJECT_UNLOCK (self);

  GST_PAD_STREAM_LOCK (self->sinkpad[path]);
  GST_OBJECT_LOCK (self);
  collect_ready (self, path, &items);
  GST_OBJECT_UNLOCK (self);
  ret = push_items (self, path, &items);
  GST_PAD_STREAM_UNLOCK (self->sinkpad[path]);
  /* the chain returns the same to upstream with the next packet */
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (src, "held packets not taken: %s",
        gst_flow_get_name (ret));
}

static gboolean
gst_mikey_dec_src_activate_mode (GstPad *pad, GstObject *parent,
    GstPadMode mode, gboolean active)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);
  guint path = pad == self->srcpad[PATH_RTCP] ? PATH_RTCP : PATH_RTP;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  GST_OBJECT_LOCK (self);
  self->release_stop[path] = !active;
  self->release[path] = FALSE;
  g_cond_broadcast (&self->release_cond);
  GST_OBJECT_UNLOCK (self);
  if (active)
    return gst_pad_start_task (pad, release_loop, pad, NULL);
  return gst_pad_stop_task (pad);
}

static gboolean gst_mikey_dec_push_message (GstMikeyDec *self,
    GstBuffer *buf);

/* Hold @buf (taken) for @e on @path. Call with the object lock. */
static void
hold (GstMikeyDec *self, SsrcEntry *e, guint path, GstBuffer *buf)
{
  gst_mini_object_set_qdata (GST_MINI_OBJECT (buf), path_quark,
      GUINT_TO_POINTER (path + 1), NULL);
  g_queue_push_tail (&e->pending, buf);
  e->pending_path[path]++;
  self->pending_total[path]++;
}

static guint
pad_path (GstMikeyDec *self, GstPad *pad)
{
  return pad == self->sinkpad[PATH_RTCP]
      || pad == self->srcpad[PATH_RTCP] ? PATH_RTCP : PATH_RTP;
}

/* The entry of @ssrc, the last packet's saved. Call with the object
 * lock. */
static inline SsrcEntry *
entry_of (GstMikeyDec *self, guint path, guint32 ssrc)
{
  SsrcEntry *e = self->last[path];

  if (e == NULL || e->ssrc != ssrc)
    e = self->last[path] = get_entry (self, ssrc);
  return e;
}

#define MAX_STREAM_ASKS 2
/* packets of an SSRC held at a switch to the next key whatever max-pending
 * says (a re-join's round trip of a fast stream) */
#define MIN_SWITCH_HOLD 256

/* After the switch to the next key of @ssrc: whether the sender's ROC may
 * now differ from ours. srtpenc 1.22 restarts it at 0, 1.30 keeps it; only
 * a ROC other than 0 (the last answer's @roc, or srtpdec's count of wraps
 * since) makes a difference, and then a re-join tells. */
static gboolean
roc_may_restart (GstMikeyDec *self, guint32 ssrc, guint32 roc)
{
  GstElement *srtpdec;
  g_autoptr (GHashTable) rocs = NULL;
  gpointer now;

  if (roc > 0 || (srtpdec = next_srtpdec (self, PATH_RTP)) == NULL)
    return TRUE;
  rocs = mikey_srtp_rocs (srtpdec);
  gst_object_unref (srtpdec);
  return !g_hash_table_lookup_extended (rocs, GUINT_TO_POINTER (ssrc), NULL,
      &now) || GPOINTER_TO_UINT (now) > 0;
}

static gboolean rejoin_for_stream (gpointer user_data);

/* A stream the key server's last answer had no keys for (it began after
 * our join, or a crypto session of SSRC 0 went to another SSRC): ask
 * again now, not at the next rejoin-interval; once more after a later
 * answer, but no more (MAX_STREAM_ASKS: a stream of someone else would
 * make us ask forever). Call with the object lock. */
static gboolean
wants_rejoin (GstMikeyDec *self, SsrcEntry *e)
{
  if (!MIKEY_MODE_IS_RSA_R (self->mode) || self->udp == NULL
      || e->asks >= MAX_STREAM_ASKS
      || (e->asks > 0 && e->asked_at == self->answers))
    return FALSE;
  e->asks++;
  e->asked_at = self->answers;
  return TRUE;
}

/* The keyed path: keys announced, nothing held before it, so straight on
 * (no queue, no qdata). Call with the object lock. */
static inline gboolean
goes_straight (GstMikeyDec *self, SsrcEntry *e, guint path)
{
  return e->keying && e->announced[path] == e->generation
      && self->pending_total[path] == 0 && e->next_mki_len == 0
      && !e->switching;
}

static GstFlowReturn
gst_mikey_dec_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);
  guint path = pad_path (self, pad);
  GQueue items = G_QUEUE_INIT;
  GArray *bound = NULL;
  SsrcEntry *e;
  guint32 ssrc;
  gboolean warn = FALSE, ask = FALSE, check_switch = FALSE;
  guint32 switch_roc = 0;
  guint max_pending = 0;
  guint8 head[12];
  /* the few header bytes, once: MIKEY or not, and the SSRC */
  gsize n = mikey_buffer_head (buf, head, sizeof head);

  /* a MIKEY message in band: its version byte can never start an RTP or
   * RTCP packet (version 2, 0x80..0xBF) */
  if (n >= 1 && head[0] == MKY_VERSION_1) {
    /* taken like one on mikey_sink; on this thread, held packets of this
     * path that it keyed can go at once */
    gst_mikey_dec_push_message (self, buf);
    gst_buffer_unref (buf);
    GST_OBJECT_LOCK (self);
    collect_ready (self, path, &items);
    GST_OBJECT_UNLOCK (self);
    return push_items (self, path, &items);
  }

  if (!packet_ssrc (head, n, path == PATH_RTCP, &ssrc)) {
    GST_DEBUG_OBJECT (pad, "dropping a buffer that is no RTP or RTCP packet");
    GST_OBJECT_LOCK (self);
    self->packets_invalid++;
    GST_OBJECT_UNLOCK (self);
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }

  GST_OBJECT_LOCK (self);
  e = entry_of (self, path, ssrc);
  if (goes_straight (self, e, path)) {
    e->passed++;
    self->packets_keyed++;
    GST_OBJECT_UNLOCK (self);
    return gst_pad_push (self->srcpad[path], buf);
  }
  if (e->keying == NULL && !g_queue_is_empty (&self->unbound)) {
    Unbound *u = g_queue_pop_head (&self->unbound);
    GST_INFO_OBJECT (self, "SSRC %u takes the keys of a crypto session of "
        "SSRC 0 (CSB ID %08x)", ssrc, u->csb_id);
    entry_set_keying (self, e, u->keying, u->csb_id, u->roc);
    g_free (u);
    bound = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_array_append_val (bound, ssrc);
  } else if (e->keying == NULL && self->any_keying) {
    guint roc = 0;
    gst_structure_get_uint (self->any_keying, "roc", &roc);
    GST_INFO_OBJECT (self, "SSRC %u takes the keys of the exchange (CSB ID "
        "%08x)", ssrc, self->any_csb_id);
    entry_set_keying (self, e, gst_structure_copy (self->any_keying),
        self->any_csb_id, roc);
    bound = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_array_append_val (bound, ssrc);
  }
  if (e->keying && path == PATH_RTP && under_next_key (e, buf)) {
    GST_DEBUG_OBJECT (self, "SSRC %u: the sender switched to the next key",
        ssrc);
    e->next_mki_len = 0;
    if (e->switch_roc_known) {
      /* dh modes: the exchange said which ROC */
      e->switch_roc_known = FALSE;
      if (e->switch_roc != e->roc) {
        e->roc = e->switch_roc;
        gst_structure_set (e->keying, "roc", G_TYPE_UINT, e->roc, NULL);
        /* announced again, before this packet */
        e->generation++;
      }
    } else {
      e->switching = TRUE;
      self->switch_seen = g_get_monotonic_time ();
      switch_roc = e->roc;
      check_switch = TRUE;
    }
  }
  if (e->keying && !e->switching) {
    hold (self, e, path, buf);
    collect_ready (self, path, &items);
  } else {
    /* at a switch the keys are there: what waits for the ROC is held
     * even when packets without keys are dropped; but not forever */
    if (e->switching && e->pending.length >= MAX (self->max_pending,
            MIN_SWITCH_HOLD)) {
      GST_WARNING_OBJECT (self, "SSRC %u: no word of the ROC under the next "
          "key after %u packets: on with the one we have", ssrc,
          e->pending.length);
      e->switching = FALSE;
    }
    if (e->keying || e->pending.length < self->max_pending) {
      hold (self, e, path, buf);
    } else {
      e->dropped++;
      self->packets_dropped++;
      gst_buffer_unref (buf);
    }
    if (e->keying == NULL && !e->warned) {
      e->warned = TRUE;
      warn = TRUE;
    }
    if (e->keying == NULL)
      ask = wants_rejoin (self, e);
    max_pending = self->max_pending;
    /* others may have got keys meanwhile */
    collect_ready (self, path, &items);
  }
  GST_OBJECT_UNLOCK (self);

  if (check_switch) {
    if (roc_may_restart (self, ssrc, switch_roc)) {
      /* a member asks; otherwise the sender's next message (it sends one
       * at the switch) is waited for */
      ask = self->udp && MIKEY_MODE_IS_RSA_R (self->mode);
    } else {
      /* ROC 0 either way */
      GST_OBJECT_LOCK (self);
      e = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (ssrc));
      if (e)
        e->switching = FALSE;
      collect_ready (self, path, &items);
      GST_OBJECT_UNLOCK (self);
    }
  }
  if (ask)
    mikey_udp_invoke (self->udp, rejoin_for_stream, self);
  if (warn)
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT_NOKEY,
        (_("No key for an incoming SRTP stream yet.")),
        ("no MIKEY key for SSRC %u: its packets are %s", ssrc,
            max_pending ? "held, then dropped" : "dropped"));
  if (bound) {
    for (guint i = 0; i < bound->len; i++)
      g_signal_emit (self, signals[SIGNAL_ON_KEY_RECEIVED], 0,
          g_array_index (bound, guint32, i));
    g_array_free (bound, TRUE);
  }
  return push_items (self, path, &items);
}

/* A list packet by packet, each buffer ours alone: srtpdec 1.22 takes
 * lists with GStreamer's default, a reference more on each buffer, and
 * then pushes freed memory (it decrypts a copy in place and passes the
 * original on) */
static GstFlowReturn
gst_mikey_dec_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  return mikey_chain_each (pad, parent, list, gst_mikey_dec_chain);
}

static void post_stats (GstMikeyDec *self);

/* Call with the object lock */
static void
drop_pending (GstMikeyDec *self, guint path)
{
  for (guint i = 0; i < self->order->len; i++) {
    SsrcEntry *e = self->order->pdata[i];
    GList *l, *next;

    for (l = e->pending.head; l; l = next) {
      next = l->next;
      if (GPOINTER_TO_UINT (gst_mini_object_get_qdata (l->data,
                  path_quark)) != path + 1)
        continue;
      gst_buffer_unref (l->data);
      g_queue_delete_link (&e->pending, l);
      /* held for a key that did not come in time */
      e->dropped++;
      self->packets_dropped++;
    }
    e->pending_path[path] = 0;
  }
  self->pending_total[path] = 0;
}

static gboolean
gst_mikey_dec_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);
  guint path = pad_path (self, pad);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;

      /* not forwarded as is: srtpdec gets these with the keys of each
       * SSRC, before its first packet */
      gst_event_parse_caps (event, &caps);
      GST_OBJECT_LOCK (self);
      gst_caps_replace (&self->upstream_caps[path], caps);
      for (guint i = 0; i < self->order->len; i++)
        ((SsrcEntry *) self->order->pdata[i])->announced[path] = 0;
      GST_OBJECT_UNLOCK (self);
      gst_event_unref (event);
      return TRUE;
    }
    case GST_EVENT_FLUSH_STOP:
      GST_OBJECT_LOCK (self);
      drop_pending (self, path);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_EVENT_EOS:
      /* the replies end with the media stream; the final counts go on the
       * bus before the EOS does (gst-launch-1.0 -m stops at that) */
      if (path == PATH_RTP) {
        mikey_out_pad_eos (&self->out);
        post_stats (self);
      }
      break;
    default:
      /* sticky events after caps wait (on the sink pad) for our first
       * caps; push_caps sends them */
      if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) > GST_EVENT_CAPS
          && !gst_pad_has_current_caps (self->srcpad[path])) {
        gst_event_unref (event);
        return TRUE;
      }
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstIterator *
gst_mikey_dec_iterate_internal_links (GstPad *pad, GstObject *parent)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);
  GstPad *other = NULL;
  GValue v = G_VALUE_INIT;
  GstIterator *it;

  for (guint p = 0; p < N_PATHS; p++) {
    if (pad == self->sinkpad[p])
      other = self->srcpad[p];
    else if (pad == self->srcpad[p])
      other = self->sinkpad[p];
  }
  if (other == NULL)
    return NULL;
  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

/* MIKEY */

/* A new Responder (new settings) judges every message anew. Call with the
 * object lock. */
static void
reset_responder (GstMikeyDec *self)
{
  g_clear_pointer (&self->responder, mky_psk_responder_free);
  g_clear_pointer (&self->pk_responder, mky_pk_responder_free);
  g_hash_table_remove_all (self->last_accepted);
}

/* Whether @message is, byte for byte, the last one accepted for its CSB.
 * Call with the object lock. */
static gboolean
is_repeat (GstMikeyDec *self, GBytes *message)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (message, &len);
  GBytes *last;

  /* the CSB ID is in bytes 4..7 of the common header (RFC 3830 §6.1) */
  if (len < 8)
    return FALSE;
  last = g_hash_table_lookup (self->last_accepted,
      GUINT_TO_POINTER (GST_READ_UINT32_BE (d + 4)));
  return last && g_bytes_equal (last, message);
}

/* srtpdec's fields for crypto session @k, checked */
static GstStructure *
keying_structure (const MkySrtpKeying *k, GError **error)
{
  char *str = mky_srtp_keying_caps_string (k, error);
  GstStructure *s;
  const GValue *v;
  gsize want = mky_srtp_policy_master_len (&k->policy);

  if (str == NULL)
    return NULL;
  s = gst_structure_from_string (str, NULL);
  explicit_bzero (str, strlen (str));
  g_free (str);
  if (s == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "keying of CS %u does not make caps", k->cs_id);
    return NULL;
  }
  /* srtpdec 1.22 checks neither presence nor size of srtp-key */
  v = gst_structure_get_value (s, "srtp-key");
  if (v == NULL || !GST_VALUE_HOLDS_BUFFER (v)
      || (want && gst_buffer_get_size (gst_value_get_buffer (v)) != want)) {
    gst_structure_free (s);
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "srtp-key of CS %u missing or not %zu bytes", k->cs_id, want);
    return NULL;
  }
  return s;
}

/* Hand the keys of every crypto session of @csb to its SSRC (all or
 * nothing), appending the SSRCs whose keys changed to @keyed. With
 * @all_ssrcs a crypto session of SSRC 0 keys every SSRC that has no keys
 * of another bundle, now and to come (the sender's srtpenc has one key for
 * all). Call with the object lock. */
static gboolean
apply_bundle (GstMikeyDec *self, MkyCsb *csb, gboolean all_ssrcs,
    GArray *keyed, GError **error)
{
  guint n;
  GstStructure *ks[256];
  MkySrtpKeying k;

  if (!mky_csb_check (csb, MKY_SP_COMPAT_ACCEPT_GSTREAMER, error))
    return FALSE;
  n = mky_csb_n_sessions (csb);
  if (n > G_N_ELEMENTS (ks)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "%u crypto sessions", n);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    ks[i] = NULL;
    if (mky_csb_get_srtp (csb, i, MKY_SP_COMPAT_ACCEPT_GSTREAMER, &k, error)) {
      ks[i] = keying_structure (&k, error);
      mky_srtp_keying_clear (&k);
    }
    if (ks[i] == NULL) {
      for (guint j = 0; j < i; j++)
        gst_structure_free (ks[j]);
      return FALSE;
    }
  }
  for (guint i = 0; i < n; i++) {
    guint32 ssrc, roc = 0;
    SsrcEntry *e = NULL;

    gst_structure_get_uint (ks[i], "ssrc", &ssrc);
    gst_structure_get_uint (ks[i], "roc", &roc);
    if (ssrc == 0 && all_ssrcs) {
      for (guint j = 0; j < self->order->len; j++) {
        e = self->order->pdata[j];
        if ((e->keying == NULL || e->csb_id == csb->csb_id)
            && entry_set_keying (self, e, gst_structure_copy (ks[i]),
                csb->csb_id, roc))
          g_array_append_val (keyed, e->ssrc);
      }
      if (self->any_keying)
        gst_structure_free (self->any_keying);
      self->any_keying = ks[i];
      self->any_csb_id = csb->csb_id;
      GST_INFO_OBJECT (self, "CSB %08x CS %u: keys for every SSRC",
          csb->csb_id, i + 1);
      continue;
    }
    if (ssrc == 0) {
      /* RFC 3830 §6.1.1: the first SSRC seen that has no key */
      for (guint j = 0; j < self->order->len && !e; j++)
        if (((SsrcEntry *) self->order->pdata[j])->keying == NULL)
          e = self->order->pdata[j];
      if (e == NULL) {
        Unbound *u = g_new0 (Unbound, 1);
        u->keying = ks[i];
        u->csb_id = csb->csb_id;
        u->roc = roc;
        g_queue_push_tail (&self->unbound, u);
        GST_INFO_OBJECT (self, "CSB %08x CS %u: keys for SSRC 0, bound to "
            "the first SSRC seen", csb->csb_id, i + 1);
        continue;
      }
    } else {
      e = get_entry (self, ssrc);
    }
    if (entry_set_keying (self, e, ks[i], csb->csb_id, roc)) {
      GST_INFO_OBJECT (self, "CSB %08x CS %u: keys for SSRC %u, ROC %u",
          csb->csb_id, i + 1, e->ssrc, roc);
      g_array_append_val (keyed, e->ssrc);
    }
  }
  return TRUE;
}

static void
emit_keyed (GstMikeyDec *self, GArray *keyed)
{
  for (guint i = 0; i < keyed->len; i++)
    g_signal_emit (self, signals[SIGNAL_ON_KEY_RECEIVED], 0,
        g_array_index (keyed, guint32, i));
}

/* The pk-mode Responder: our certificate's key opens the envelope,
 * ca-file verifies the senders. Not under the object lock (the
 * certificates are read with it). On failure the error is posted. */
static gboolean
ensure_pk_responder (GstMikeyDec *self)
{
  MkyPkResponder *r;
  gboolean allow_null;
  MkyConfig cfg;

  GST_OBJECT_LOCK (self);
  r = self->pk_responder;
  allow_null = self->allow_null;
  GST_OBJECT_UNLOCK (self);
  if (r)
    return TRUE;
  mikey_config_init (&cfg, GST_MIKEY_MODE_PK, NULL, allow_null);
  if (!mikey_pki_load (GST_ELEMENT (self), &self->pki, NULL, TRUE, &cfg)) {
    mky_config_clear (&cfg);
    return FALSE;
  }
  r = mky_pk_responder_new (&cfg, g_get_real_time (), FALSE);
  mky_config_clear (&cfg);
  GST_OBJECT_LOCK (self);
  if (self->pk_responder == NULL)
    self->pk_responder = g_steal_pointer (&r);
  GST_OBJECT_UNLOCK (self);
  if (r)
    mky_pk_responder_free (r);
  return TRUE;
}

/* Process one MIKEY message; FALSE when it was refused */
static gboolean
handle_message (GstMikeyDec *self, GBytes *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GArray) keyed = g_array_new (FALSE, FALSE, sizeof (guint32));
  MkyCsb *csb = NULL;
  gint64 now = g_get_real_time ();
  gboolean ok = FALSE, pk;

  GST_OBJECT_LOCK (self);
  pk = self->mode == GST_MIKEY_MODE_PK;
  GST_OBJECT_UNLOCK (self);
  if (pk && !ensure_pk_responder (self)) {
    GST_OBJECT_LOCK (self);
    self->messages_refused++;
    GST_OBJECT_UNLOCK (self);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  if (is_repeat (self, message)) {
    /* an announcement again (in band, for late joiners): nothing new */
    self->messages_repeated++;
    GST_OBJECT_UNLOCK (self);
    GST_LOG_OBJECT (self, "MIKEY message repeated");
    return TRUE;
  }
  if (MIKEY_MODE_IS_RSA_R (self->mode)) {
    g_set_error (&error, MKY_ERROR, MKY_ERROR_STATE, "in rsa-r modes "
        "the keys come from the key server (server property) only");
    goto done;
  }
  if (MIKEY_MODE_IS_DH (self->mode)) {
    g_set_error (&error, MKY_ERROR, MKY_ERROR_STATE, "in dh and dhhmac "
        "mode the keys come from the exchange on UDP (port property) only");
    goto done;
  }
  if (self->mode == GST_MIKEY_MODE_PSK && self->psk == NULL) {
    g_set_error (&error, MKY_ERROR, MKY_ERROR_STATE, "no PSK set");
    goto done;
  }
  if (pk && self->pk_responder) {
    csb = mky_pk_responder_handle (self->pk_responder, message, now, &reply,
        &error);
  } else if (pk) {
    /* the settings changed meanwhile */
    g_set_error (&error, MKY_ERROR, MKY_ERROR_STATE, "settings changed");
  } else {
    if (self->responder == NULL) {
      MkyConfig cfg;
      mikey_config_init (&cfg, self->mode, self->psk, self->allow_null);
      self->responder = mky_psk_responder_new (&cfg, now, FALSE);
      mky_config_clear (&cfg);
    }
    csb = mky_psk_responder_handle (self->responder, message, now, &reply,
        &error);
  }
  ok = csb && apply_bundle (self, csb, FALSE, keyed, &error);

done:
  if (ok) {
    wake_release (self);
    self->messages_accepted++;
    g_hash_table_insert (self->last_accepted, GUINT_TO_POINTER (csb->csb_id),
        g_bytes_ref (message));
  } else
    self->messages_refused++;
  GST_OBJECT_UNLOCK (self);
  if (csb)
    mky_csb_unref (csb);

  if (!ok) {
    if (pk && mikey_error_is_auth (error))
      GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
          (_("A MIKEY message was refused: it is not encrypted to this "
                  "receiver's certificate, or its sender is not trusted.")),
          ("MIKEY message refused: %s", error->message));
    else if (mikey_error_is_auth (error))
      GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
          (_("A MIKEY message failed authentication.")),
          ("MIKEY message refused: %s", error->message));
    else
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          (_("Could not use a MIKEY message.")),
          ("MIKEY message refused: %s", error ? error->message : "?"));
  }
  if (reply)
    mikey_out_pad_send (&self->out, g_steal_pointer (&reply));
  emit_keyed (self, keyed);
  return ok;
}

/* Joining a group (rsa-r-group); all on the UDP thread but start_join
 * and stop_join */

static void
set_join_state (GstMikeyDec *self, const gchar *state)
{
  GST_OBJECT_LOCK (self);
  self->join_state = state;
  GST_OBJECT_UNLOCK (self);
}

static void
cancel_timer (GstMikeyDec *self)
{
  if (self->timer) {
    g_source_destroy (self->timer);
    g_clear_pointer (&self->timer, g_source_unref);
  }
}

static gboolean join_timer (gpointer user_data);
static void arm_rejoin (GstMikeyDec *self);

/* Wait @ms, but not past the join deadline (rounded up: a wait of 0 ms
 * short of it would send a burst) */
static void
arm_timer (GstMikeyDec *self, guint ms)
{
  gint64 left = (self->join_deadline - g_get_monotonic_time () + 999) / 1000;

  cancel_timer (self);
  self->timer = mikey_udp_add_timeout (self->udp,
      (guint) CLAMP (left, 0, (gint64) ms), join_timer, self);
}

/* A request of the present time (listen-only: no crypto session of ours,
 * RFC 4738 §3.4), in place of the last one */
static gboolean
new_request (GstMikeyDec *self, GError **error)
{
  g_autoptr (MkyCsb) request = mky_csb_new (0);
  GBytes *req = mky_rsa_r_initiator_build (self->member, request,
      self->unicast, g_get_real_time (), error);

  if (req == NULL)
    return FALSE;
  g_clear_pointer (&self->request, g_bytes_unref);
  self->request = req;
  self->request_sends = 0;
  self->request_made = g_get_monotonic_time ();
  return TRUE;
}

static void
send_request (GstMikeyDec *self)
{
  mikey_udp_send (self->udp, self->request, self->server_addr);
  self->request_sends++;
  GST_OBJECT_LOCK (self);
  self->requests_sent++;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
join_first (gpointer user_data)
{
  GstMikeyDec *self = user_data;

  GST_DEBUG_OBJECT (self, "asking %s for the group's keys", self->server);
  send_request (self);
  arm_timer (self, self->wait);
  return G_SOURCE_REMOVE;
}

/* A new request (a new timestamp: the server answers it with the group's
 * keys as they are now, a re-key's next or old key included) */
static gboolean
rejoin (gpointer user_data)
{
  GstMikeyDec *self = user_data;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&self->rejoin_timer, g_source_unref);
  if (!new_request (self, &error)) {
    GST_WARNING_OBJECT (self, "no re-join request: %s", error->message);
    arm_rejoin (self);
    return G_SOURCE_REMOVE;
  }
  GST_OBJECT_LOCK (self);
  self->wait = MAX (self->retransmit_timeout, 1);
  self->join_deadline = g_get_monotonic_time ()
      + self->join_timeout * (gint64) 1000;
  GST_OBJECT_UNLOCK (self);
  self->join_done = FALSE;
  return join_first (self);
}

static void
cancel_rejoin (GstMikeyDec *self)
{
  if (self->rejoin_timer) {
    g_source_destroy (self->rejoin_timer);
    g_clear_pointer (&self->rejoin_timer, g_source_unref);
  }
}

static void
arm_rejoin (GstMikeyDec *self)
{
  guint ms;

  GST_OBJECT_LOCK (self);
  ms = self->rejoin_interval;
  GST_OBJECT_UNLOCK (self);
  cancel_rejoin (self);
  if (ms > 0)
    self->rejoin_timer = mikey_udp_add_timeout (self->udp, ms, rejoin, self);
}

/* Whether an SSRC still waits for keys an answer may bring: one we asked
 * for that has none (wants_rejoin), or one at a switch to the next key
 * (roc_may_restart). Call with the object lock. */
static gboolean
keys_wanted (GstMikeyDec *self)
{
  for (guint i = 0; i < self->order->len; i++) {
    SsrcEntry *e = self->order->pdata[i];
    if (e->switching || (e->asks > 0 && e->keying == NULL))
      return TRUE;
  }
  return FALSE;
}

/* See keys_wanted: a re-join now, unless the keys came meanwhile or a join
 * is under way (member_datagram sees to its answer) */
static gboolean
rejoin_for_stream (gpointer user_data)
{
  GstMikeyDec *self = user_data;
  gboolean wanted;

  if (!self->joined || self->refusal || !self->join_done)
    return G_SOURCE_REMOVE;
  GST_OBJECT_LOCK (self);
  wanted = keys_wanted (self);
  GST_OBJECT_UNLOCK (self);
  if (wanted) {
    GST_DEBUG_OBJECT (self, "re-joining now for a stream's keys");
    cancel_rejoin (self);
    rejoin (self);
  }
  return G_SOURCE_REMOVE;
}

/* An answer came or none will: packets held at a switch to the next key
 * go on (with the keys it brought, or with what we have). Call with the
 * object lock. */
static void
end_switches (GstMikeyDec *self)
{
  for (guint i = 0; i < self->order->len; i++)
    ((SsrcEntry *) self->order->pdata[i])->switching = FALSE;
  wake_release (self);
}

static gboolean
join_timer (gpointer user_data)
{
  GstMikeyDec *self = user_data;
  guint64 sent;

  cancel_timer (self);
  if (self->join_done)
    return G_SOURCE_REMOVE;
  if (self->refusal) {
    self->join_done = TRUE;
    set_join_state (self, "refused");
    if (self->unicast)
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          (_("The MIKEY sender refused to give this receiver its keys.")),
          ("%s: %s", self->server, self->refusal));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          (_("The MIKEY key server refused to admit this receiver to the "
                  "group.")), ("%s: %s", self->server, self->refusal));
    return G_SOURCE_REMOVE;
  }
  if (g_get_monotonic_time () >= self->join_deadline && self->joined) {
    /* the keys we have still serve until the group re-keys */
    self->join_done = TRUE;
    GST_OBJECT_LOCK (self);
    end_switches (self);
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        (_("The MIKEY key server did not answer.")),
        ("no answer from %s to a re-join in %u ms; trying again in %u ms",
            self->server, self->join_timeout, self->rejoin_interval));
    arm_rejoin (self);
    return G_SOURCE_REMOVE;
  }
  if (g_get_monotonic_time () >= self->join_deadline) {
    self->join_done = TRUE;
    GST_OBJECT_LOCK (self);
    self->join_state = "timed-out";
    sent = self->requests_sent;
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("The MIKEY key server did not answer.")),
        ("no answer from %s in %u ms (%" G_GUINT64_FORMAT " requests sent)",
            self->server, self->join_timeout, sent));
    return G_SOURCE_REMOVE;
  }
  /* the same bytes: a server that answered already answers again with
   * the same keys, but only a few times: past that, a new request */
  GST_DEBUG_OBJECT (self, "no answer in %u ms: asking again", self->wait);
  if (self->request_sends > MIKEY_ANSWER_REPEATS) {
    g_autoptr (GError) error = NULL;
    if (!new_request (self, &error))
      GST_WARNING_OBJECT (self, "no new request: %s", error->message);
  }
  send_request (self);
  self->wait = self->wait > G_MAXUINT / 2 ? G_MAXUINT : self->wait * 2;
  arm_timer (self, self->wait);
  return G_SOURCE_REMOVE;
}

/* A datagram for the member */
static void
member_datagram (MikeyUdp *udp, GBytes *datagram, GSocketAddress *from,
    gpointer user_data)
{
  GstMikeyDec *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyPeer) server = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  g_autoptr (GArray) keyed = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree gchar *address = mikey_address_to_string (from);
  gboolean ok, again;

  if (self->join_done)
    return;
  csb = mky_rsa_r_initiator_handle_response (self->member, datagram,
      g_get_real_time (), &server, &error);
  if (csb == NULL) {
    if (g_error_matches (error, MKY_ERROR, MKY_ERROR_PEER_ERROR)
        && self->refusal == NULL) {
      /* not authenticated, so maybe not the server's: no more requests,
       * but a real answer may still come while the current interval runs */
      GST_INFO_OBJECT (self, "key server %s: %s", address, error->message);
      self->refusal = g_strdup (error->message);
      arm_timer (self, self->wait);
    } else {
      /* the request stays pending: a forged answer cannot end it */
      GST_DEBUG_OBJECT (self, "answer from %s discarded: %s", address,
          error->message);
    }
    return;
  }

  self->join_done = TRUE;
  cancel_timer (self);
  GST_OBJECT_LOCK (self);
  ok = apply_bundle (self, csb, FALSE, keyed, &error);
  /* asked before the sender switched keys: asked again */
  again = ok && self->request_made < self->switch_seen && keys_wanted (self);
  if (ok && !again)
    end_switches (self);
  else if (ok)
    wake_release (self);
  self->join_state = ok ? "joined" : "failed";
  if (ok)
    self->answers++;
  if (ok && self->joined)
    self->rejoins++;
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT,
        (_("Could not use the keys of the MIKEY key server.")),
        ("%s: %s", address, error->message));
    return;
  }
  arm_rejoin (self);
  if (again) {
    cancel_rejoin (self);
    rejoin (self);
  }
  if (self->joined) {
    GST_DEBUG_OBJECT (self, "re-joined the group at %s", address);
    emit_keyed (self, keyed);
    return;
  }
  self->joined = TRUE;
  GST_INFO_OBJECT (self, "joined the group of %s at %s (CSB ID %08x)",
      mky_peer_get_identity (server), address, csb->csb_id);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("mikey-joined", "server-identity",
              G_TYPE_STRING, mky_peer_get_identity (server),
              "server-address", G_TYPE_STRING, address,
              "csb-id", G_TYPE_UINT, csb->csb_id, NULL)));
  emit_keyed (self, keyed);
}

/* Stop the UDP side of either mode: the join (rsa-r-group) or the
 * Responder (dh, dhhmac) */
static void
stop_join (GstMikeyDec *self)
{
  if (self->udp)
    mikey_udp_stop (self->udp);
  cancel_timer (self);
  cancel_rejoin (self);
  g_clear_pointer (&self->udp, mikey_udp_free);
  g_clear_pointer (&self->member, mky_rsa_r_initiator_free);
  g_clear_pointer (&self->request, g_bytes_unref);
  g_clear_object (&self->server_addr);
  g_clear_pointer (&self->refusal, g_free);
  g_clear_pointer (&self->server, g_free);
  g_clear_pointer (&self->dh, mky_dh_responder_free);
  g_clear_pointer (&self->dh_last_request, g_bytes_unref);
  g_clear_pointer (&self->dh_last_reply, g_bytes_unref);
}

static gboolean
start_join (GstMikeyDec *self)
{
  g_autoptr (GError) error = NULL;
  MkyConfig cfg;

  GST_OBJECT_LOCK (self);
  self->server = g_strdup (self->server_prop);
  self->unicast = self->mode == GST_MIKEY_MODE_RSA_R;
  self->wait = MAX (self->retransmit_timeout, 1);
  self->join_deadline = g_get_monotonic_time ()
      + self->join_timeout * (gint64) 1000;
  self->join_done = FALSE;
  self->switch_seen = 0;
  self->joined = FALSE;
  self->join_state = "joining";
  self->requests_sent = 0;
  self->rejoins = 0;
  self->answers = 0;
  GST_OBJECT_UNLOCK (self);

  if (self->server == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("No MIKEY key server set.")),
        ("the rsa-r modes need the server property"));
    return FALSE;
  }
  self->server_addr = mikey_resolve_address (self->server, MIKEY_UDP_PORT,
      &error);
  if (self->server_addr == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        (_("Could not find the MIKEY key server.")),
        ("%s: %s", self->server, error->message));
    return FALSE;
  }
  mky_config_init (&cfg);
  if (!mikey_pki_load (GST_ELEMENT (self), &self->pki, NULL, FALSE, &cfg)) {
    mky_config_clear (&cfg);
    return FALSE;
  }
  /* unicast: our RAND (RFC 4738 §3.4: SHOULD), and no stream of ours to
   * key either */
  self->member = mky_rsa_r_initiator_new (&cfg, self->unicast ?
      MKY_RSA_R_UNICAST : MKY_RSA_R_GROUP);
  mky_config_clear (&cfg);
  if (!new_request (self, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Could not make a MIKEY request.")), ("%s", error->message));
    return FALSE;
  }
  self->udp = mikey_udp_new (GST_ELEMENT (self), NULL,
      g_socket_address_get_family (self->server_addr), 0, member_datagram,
      self, &error);
  if (self->udp == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Could not open a UDP socket for MIKEY.")), ("%s",
            error->message));
    return FALSE;
  }
  mikey_udp_start (self->udp, join_first, self);
  return TRUE;
}

/* The Diffie-Hellman exchanges (dh, dhhmac): we are the Responder, on UDP
 * port @port from PAUSED on (UDP thread) */

static void
responder_datagram (MikeyUdp *udp, GBytes *datagram, GSocketAddress *from,
    gpointer user_data)
{
  GstMikeyDec *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  g_autoptr (GArray) keyed = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree gchar *address = mikey_address_to_string (from);
  g_autoptr (GHashTable) rocs = NULL;
  GstElement *srtpdec;
  MkyPeer *initiator;
  GstStructure *s;
  gboolean ok, post;

  /* the Initiator lost our answer and sends the same I_MESSAGE again: the
   * replay cache refuses it, but it gets the same answer, a few times */
  if (self->dh_last_request && g_bytes_equal (datagram,
          self->dh_last_request)) {
    if (self->dh_repeats < MIKEY_ANSWER_REPEATS) {
      self->dh_repeats++;
      GST_DEBUG_OBJECT (self, "I_MESSAGE from %s again: answered again",
          address);
      mikey_udp_send (udp, self->dh_last_reply, from);
    }
    return;
  }
  csb = mky_dh_responder_handle (self->dh, datagram, NULL,
      g_get_real_time (), &reply, &error);
  if (csb == NULL) {
    GST_OBJECT_LOCK (self);
    self->messages_refused++;
    post = mikey_error_is_auth (error) && !self->dh_refusal_posted;
    if (post)
      self->dh_refusal_posted = TRUE;
    GST_OBJECT_UNLOCK (self);
    GST_INFO_OBJECT (self, "I_MESSAGE from %s refused: %s", address,
        error ? error->message : "dropped");
    /* once: the Initiator sends its request again until answered; a
     * warning, as anyone can send a request that fails, and a valid one
     * may still come */
    if (post)
      GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
          (_("A MIKEY key exchange failed authentication.")),
          ("from %s: %s", address, error->message));
    /* the Error message the RFC asks for, if any */
    if (reply)
      mikey_udp_send (udp, reply, from);
    return;
  }

  srtpdec = next_srtpdec (self, PATH_RTP);
  rocs = mikey_srtp_rocs (srtpdec);
  gst_clear_object (&srtpdec);
  GST_OBJECT_LOCK (self);
  self->srtpdec_rocs = rocs;
  ok = apply_bundle (self, csb, TRUE, keyed, &error);
  self->srtpdec_rocs = NULL;
  if (ok) {
    wake_release (self);
    self->messages_accepted++;
  } else {
    self->messages_refused++;
  }
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    /* no answer: the Initiator must not take keys we cannot use */
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT,
        (_("Could not use the keys of the MIKEY key exchange.")),
        ("from %s: %s", address, error->message));
    return;
  }
  g_clear_pointer (&self->dh_last_request, g_bytes_unref);
  g_clear_pointer (&self->dh_last_reply, g_bytes_unref);
  self->dh_last_request = g_bytes_ref (datagram);
  self->dh_last_reply = g_bytes_ref (reply);
  self->dh_repeats = 0;
  mikey_udp_send (udp, reply, from);

  initiator = mky_dh_responder_get_peer (self->dh, csb->csb_id);
  GST_INFO_OBJECT (self, "keys agreed with %s at %s (CSB ID %08x)",
      initiator ? mky_peer_get_identity (initiator) : "the PSK holder",
      address, csb->csb_id);
  s = gst_structure_new ("mikey-exchange-done", "peer-address",
      G_TYPE_STRING, address, "csb-id", G_TYPE_UINT, csb->csb_id, NULL);
  if (initiator)
    gst_structure_set (s, "peer-identity", G_TYPE_STRING,
        mky_peer_get_identity (initiator), NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  emit_keyed (self, keyed);
}

static gboolean
start_dh_responder (GstMikeyDec *self)
{
  g_autoptr (GError) error = NULL;
  GstMikeyMode mode;
  GBytes *psk;
  gboolean allow_null;
  guint port;
  MkyConfig cfg;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  psk = self->psk ? g_bytes_ref (self->psk) : NULL;
  allow_null = self->allow_null;
  port = self->port;
  self->dh_refusal_posted = FALSE;
  GST_OBJECT_UNLOCK (self);

  mikey_config_init (&cfg, mode, psk, allow_null);
  g_clear_pointer (&psk, g_bytes_unref);
  if (mode == GST_MIKEY_MODE_DH) {
    /* our certificate signs the answer, ca-file checks the sender's */
    if (!mikey_pki_load (GST_ELEMENT (self), &self->pki, NULL, TRUE, &cfg))
      goto fail;
  } else {
    if (cfg.psk == NULL) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          (_("No pre-shared key set for MIKEY.")),
          ("mode=dhhmac needs the psk property"));
      goto fail;
    }
    GST_OBJECT_LOCK (self);
    cfg.id_r = g_strdup (self->pki.identity);
    GST_OBJECT_UNLOCK (self);
    if (cfg.id_r == NULL) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          (_("The receiver's MIKEY identity is needed for DH-HMAC.")),
          ("RFC 4650 §3: IDr SHALL be sent; set identity to the sending "
              "mikeyenc's peer-identity"));
      goto fail;
    }
  }
  self->dh = mky_dh_responder_new (&cfg, mode == GST_MIKEY_MODE_DH ?
      MKY_DH_MODE_SIGN : MKY_DH_MODE_HMAC, g_get_real_time (), FALSE);
  mky_config_clear (&cfg);
  self->udp = mikey_udp_new (GST_ELEMENT (self), NULL, G_SOCKET_FAMILY_IPV4,
      port, responder_datagram, self, &error);
  if (self->udp == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Could not open the MIKEY UDP port.")), ("port %u: %s", port,
            error->message));
    return FALSE;
  }
  mikey_udp_start (self->udp, NULL, NULL);
  GST_INFO_OBJECT (self, "waiting for a DH exchange on UDP port %u",
      mikey_udp_get_port (self->udp));
  return TRUE;

fail:
  mky_config_clear (&cfg);
  return FALSE;
}

static gboolean
gst_mikey_dec_push_message (GstMikeyDec *self, GstBuffer *buf)
{
  g_autoptr (GBytes) b = mikey_bytes_from_buffer (buf);

  if (b == NULL) {
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        (_("Could not use a MIKEY message.")), ("empty MIKEY message"));
    return FALSE;
  }
  return handle_message (self, b);
}

static GstFlowReturn
gst_mikey_dec_mikey_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);

  /* a bad message is the sender's problem, not the pipeline's */
  gst_mikey_dec_push_message (self, buf);
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

static gboolean
gst_mikey_dec_mikey_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  /* nothing goes on from here */
  gst_event_unref (event);
  return TRUE;
}

/* GObject and element */

/* call with the object lock */
static GstStructure *
make_stats (GstMikeyDec *self)
{
  GValue streams = G_VALUE_INIT;
  GstStructure *s;

  g_value_init (&streams, GST_TYPE_ARRAY);
  for (guint i = 0; i < self->order->len; i++) {
    SsrcEntry *e = self->order->pdata[i];
    GValue v = G_VALUE_INIT;
    GstStructure *st = gst_structure_new ("application/x-mikey-stream",
        "ssrc", G_TYPE_UINT, e->ssrc,
        "state", G_TYPE_STRING, e->keying ? "keyed" : "no-key",
        "packets-passed", G_TYPE_UINT64, e->passed,
        "packets-dropped", G_TYPE_UINT64, e->dropped,
        "packets-pending", G_TYPE_UINT, e->pending.length, NULL);

    if (e->keying)
      gst_structure_set (st, "csb-id", G_TYPE_UINT, e->csb_id,
          "roc", G_TYPE_UINT, e->roc, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, st);
    gst_value_array_append_and_take_value (&streams, &v);
  }
  s = gst_structure_new ("application/x-mikey-decoder-stats",
      "messages-accepted", G_TYPE_UINT64, self->messages_accepted,
      "messages-refused", G_TYPE_UINT64, self->messages_refused,
      "messages-repeated", G_TYPE_UINT64, self->messages_repeated,
      "packets-keyed", G_TYPE_UINT64, self->packets_keyed,
      "packets-dropped", G_TYPE_UINT64, self->packets_dropped,
      "packets-invalid", G_TYPE_UINT64, self->packets_invalid,
      "keys-received", G_TYPE_UINT64, self->keys_received,
      "rekeys-followed", G_TYPE_UINT64, self->rekeys_followed,
      "unbound-sessions", G_TYPE_UINT, self->unbound.length,
      "join-state", G_TYPE_STRING, self->join_state,
      "requests-sent", G_TYPE_UINT64, self->requests_sent,
      "rejoins", G_TYPE_UINT64, self->rejoins, NULL);
  gst_structure_take_value (s, "streams", &streams);
  return s;
}

/* #GstMikeyDec:stats as the element message `mikey-stats` */
static void
post_stats (GstMikeyDec *self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = make_stats (self);
  GST_OBJECT_UNLOCK (self);
  gst_structure_set_name (s, "mikey-stats");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
gst_mikey_dec_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      reset_responder (self);
      break;
    case PROP_PSK:
      g_clear_pointer (&self->psk, mikey_secret_free);
      self->psk = mikey_bytes_from_buffer (gst_value_get_buffer (value));
      reset_responder (self);
      break;
    case PROP_ALLOW_NULL:
      self->allow_null = g_value_get_boolean (value);
      reset_responder (self);
      break;
    case PROP_MAX_PENDING:
      self->max_pending = g_value_get_uint (value);
      break;
    case PROP_SERVER:
      g_free (self->server_prop);
      self->server_prop = g_value_dup_string (value);
      break;
    case PROP_RETRANSMIT_TIMEOUT:
      self->retransmit_timeout = g_value_get_uint (value);
      break;
    case PROP_JOIN_TIMEOUT:
      self->join_timeout = g_value_get_uint (value);
      break;
    case PROP_REJOIN_INTERVAL:
      self->rejoin_interval = g_value_get_uint (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_KEYS_IN_CAPS:
      self->keys_in_caps = g_value_get_boolean (value);
      break;
    default:
      if (prop_id >= PROP_PKI_FIRST
          && prop_id < PROP_PKI_FIRST + MIKEY_PKI_N_PROPS) {
        mikey_pki_set_property (&self->pki, prop_id - PROP_PKI_FIRST, value);
        reset_responder (self);
      } else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mikey_dec_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_ALLOW_NULL:
      g_value_set_boolean (value, self->allow_null);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, self->max_pending);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, make_stats (self));
      break;
    case PROP_SERVER:
      g_value_set_string (value, self->server_prop);
      break;
    case PROP_RETRANSMIT_TIMEOUT:
      g_value_set_uint (value, self->retransmit_timeout);
      break;
    case PROP_JOIN_TIMEOUT:
      g_value_set_uint (value, self->join_timeout);
      break;
    case PROP_REJOIN_INTERVAL:
      g_value_set_uint (value, self->rejoin_interval);
      break;
    case PROP_KEYS_IN_CAPS:
      g_value_set_boolean (value, self->keys_in_caps);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    default:
      if (prop_id >= PROP_PKI_FIRST
          && prop_id < PROP_PKI_FIRST + MIKEY_PKI_N_PROPS)
        mikey_pki_get_property (&self->pki, prop_id - PROP_PKI_FIRST, value);
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_mikey_dec_change_state (GstElement *element, GstStateChange transition)
{
  GstMikeyDec *self = GST_MIKEY_DEC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    gboolean no_psk, pk;
    GST_OBJECT_LOCK (self);
    no_psk = self->mode == GST_MIKEY_MODE_PSK && self->psk == NULL;
    pk = self->mode == GST_MIKEY_MODE_PK;
    GST_OBJECT_UNLOCK (self);
    /* settings errors now, not with the first message */
    if (pk && !ensure_pk_responder (self))
      return GST_STATE_CHANGE_FAILURE;
    if (no_psk) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          (_("No pre-shared key set for MIKEY.")),
          ("mode=psk needs the psk property"));
      return GST_STATE_CHANGE_FAILURE;
    }
  }

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    gboolean group, dh;
    GST_OBJECT_LOCK (self);
    group = MIKEY_MODE_IS_RSA_R (self->mode);
    dh = MIKEY_MODE_IS_DH (self->mode);
    GST_OBJECT_UNLOCK (self);
    if ((group && !start_join (self)) || (dh && !start_dh_responder (self))) {
      stop_join (self);
      return GST_STATE_CHANGE_FAILURE;
    }
    connect_srtpdec (self);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (ret == GST_STATE_CHANGE_FAILURE
      && transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    stop_join (self);
    disconnect_srtpdec (self);
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    stop_join (self);
    disconnect_srtpdec (self);
    /* a new stream: announce again; the keys stay (they may have come
     * out of band before the pipeline started) */
    GST_OBJECT_LOCK (self);
    for (guint p = 0; p < N_PATHS; p++) {
      drop_pending (self, p);
      gst_caps_replace (&self->upstream_caps[p], NULL);
    }
    for (guint i = 0; i < self->order->len; i++) {
      SsrcEntry *e = self->order->pdata[i];
      memset (e->announced, 0, sizeof e->announced);
      e->warned = FALSE;
      e->asks = 0;
      e->switching = FALSE;
    }
    GST_OBJECT_UNLOCK (self);
    post_stats (self);
  }
  return ret;
}

static void
gst_mikey_dec_finalize (GObject *object)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);

  stop_join (self);
  disconnect_srtpdec (self);
  mikey_pki_clear (&self->pki);
  g_free (self->server_prop);
  g_clear_pointer (&self->responder, mky_psk_responder_free);
  g_clear_pointer (&self->pk_responder, mky_pk_responder_free);
  g_hash_table_destroy (self->last_accepted);
  g_clear_pointer (&self->psk, mikey_secret_free);
  g_ptr_array_free (self->order, TRUE);
  g_hash_table_destroy (self->ssrcs);
  mikey_out_pad_clear (&self->out);
  g_queue_clear_full (&self->unbound, (GDestroyNotify) unbound_free);
  g_clear_pointer (&self->any_keying, gst_structure_free);
  for (guint p = 0; p < N_PATHS; p++)
    gst_caps_replace (&self->upstream_caps[p], NULL);
  g_cond_clear (&self->release_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstPad *
add_pad (GstMikeyDec *self, GstStaticPadTemplate *tmpl)
{
  GstPad *pad = gst_pad_new_from_static_template (tmpl, tmpl->name_template);

  gst_element_add_pad (GST_ELEMENT (self), pad);
  return pad;
}

static void
gst_mikey_dec_init (GstMikeyDec *self)
{
  self->sinkpad[PATH_RTP] = add_pad (self, &rtp_sink_template);
  self->srcpad[PATH_RTP] = add_pad (self, &rtp_src_template);
  self->sinkpad[PATH_RTCP] = add_pad (self, &rtcp_sink_template);
  self->srcpad[PATH_RTCP] = add_pad (self, &rtcp_src_template);
  for (guint p = 0; p < N_PATHS; p++) {
    gst_pad_set_chain_function (self->sinkpad[p],
        GST_DEBUG_FUNCPTR (gst_mikey_dec_chain));
    gst_pad_set_chain_list_function (self->sinkpad[p],
        GST_DEBUG_FUNCPTR (gst_mikey_dec_chain_list));
    gst_pad_set_event_function (self->sinkpad[p],
        GST_DEBUG_FUNCPTR (gst_mikey_dec_sink_event));
    gst_pad_set_iterate_internal_links_function (self->sinkpad[p],
        GST_DEBUG_FUNCPTR (gst_mikey_dec_iterate_internal_links));
    gst_pad_set_iterate_internal_links_function (self->srcpad[p],
        GST_DEBUG_FUNCPTR (gst_mikey_dec_iterate_internal_links));
    GST_PAD_SET_PROXY_CAPS (self->sinkpad[p]);
    GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad[p]);
    GST_PAD_SET_PROXY_CAPS (self->srcpad[p]);
    gst_pad_set_activatemode_function (self->srcpad[p],
        GST_DEBUG_FUNCPTR (gst_mikey_dec_src_activate_mode));
  }
  self->mikey_sink = add_pad (self, &mikey_sink_template);
  gst_pad_set_chain_function (self->mikey_sink,
      GST_DEBUG_FUNCPTR (gst_mikey_dec_mikey_chain));
  gst_pad_set_event_function (self->mikey_sink,
      GST_DEBUG_FUNCPTR (gst_mikey_dec_mikey_event));
  mikey_out_pad_init (&self->out, GST_ELEMENT (self));

  self->mode = DEFAULT_MODE;
  self->allow_null = DEFAULT_ALLOW_NULL;
  self->max_pending = DEFAULT_MAX_PENDING;
  self->retransmit_timeout = DEFAULT_RETRANSMIT_TIMEOUT;
  self->join_timeout = DEFAULT_JOIN_TIMEOUT;
  self->rejoin_interval = DEFAULT_REJOIN_INTERVAL;
  self->keys_in_caps = DEFAULT_KEYS_IN_CAPS;
  self->port = DEFAULT_PORT;
  self->join_state = "none";
  self->ssrcs = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) ssrc_entry_free);
  self->order = g_ptr_array_new ();
  self->last_accepted = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) g_bytes_unref);
  g_queue_init (&self->unbound);
  g_cond_init (&self->release_cond);
}

static void
gst_mikey_dec_class_init (GstMikeyDecClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  path_quark = g_quark_from_static_string ("GstMikeyDec-path");

  gobject_class->set_property = gst_mikey_dec_set_property;
  gobject_class->get_property = gst_mikey_dec_get_property;
  gobject_class->finalize = gst_mikey_dec_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mikey_dec_change_state);

  /**
   * GstMikeyDec:mode:
   *
   * The MIKEY key transport method accepted.
   *
   * Since: 0.1
   */
  properties[PROP_MODE] = g_param_spec_enum ("mode", "Mode",
      "MIKEY key transport method", GST_TYPE_MIKEY_MODE, DEFAULT_MODE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:psk:
   *
   * The pre-shared key (write-only).
   *
   * Since: 0.1
   */
  properties[PROP_PSK] = g_param_spec_boxed ("psk", "PSK",
      "Pre-shared key of MIKEY PSK mode (write-only)", GST_TYPE_BUFFER,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:allow-null:
   *
   * Accept messages with NULL encryption or MAC in PSK mode (RFC 3830
   * allows them only where a lower layer protects the message).
   *
   * Since: 0.1
   */
  properties[PROP_ALLOW_NULL] = g_param_spec_boolean ("allow-null",
      "Allow NULL", "Accept NULL encryption or MAC in PSK mode",
      DEFAULT_ALLOW_NULL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:max-pending:
   *
   * Packets held per SSRC while it has no key (0: drop them). They go on
   * to srtpdec as soon as the keys come, in order, whichever thread brings
   * the keys (`mikey_sink`, #GstMikeyDec::push-message, the join over
   * UDP): a task of each src pad pushes them, not the next packet.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PENDING] = g_param_spec_uint ("max-pending",
      "Max pending", "Packets held per SSRC until its key comes (0: drop)",
      0, MAX_MAX_PENDING, DEFAULT_MAX_PENDING,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstMikeyDec:stats:
   *
   * `application/x-mikey-decoder-stats`, no keys in it:
   *
   * - `messages-accepted`, `messages-refused`, `messages-repeated`
   *   (byte-identical repeats skipped) (#guint64): MIKEY messages;
   * - `packets-keyed` (#guint64): packets passed on to srtpdec, each after
   *   the caps with its SSRC's keys;
   * - `packets-dropped` (#guint64): packets dropped for lack of a key (at
   *   once, past #GstMikeyDec:max-pending, or held when the stream
   *   flushed or stopped);
   * - `packets-invalid` (#guint64): buffers dropped as no RTP or RTCP
   *   packet;
   * - `keys-received` (#guint64): new keys taken for an SSRC (the first
   *   ones and every change);
   * - `rekeys-followed` (#guint64): of those, the ones that replaced keys
   *   the SSRC had (a re-key; srtpdec gets them before that SSRC's next
   *   packet);
   * - `unbound-sessions` (#guint): crypto sessions of SSRC 0 still
   *   waiting for an SSRC;
   * - `streams`: an array of `application/x-mikey-stream` (`ssrc`,
   *   `state`, `packets-passed`, `packets-dropped`, `packets-pending`, and
   *   `csb-id` and `roc` once keyed);
   * - for rsa-r-group and rsa-r mode `join-state` (none, joining, joined, refused,
   *   timed-out, failed), `requests-sent` (the first request, the
   *   re-joins and their retransmissions) and `rejoins` (re-joins
   *   answered).
   *
   * The same fields are posted as the element message `mikey-stats` when
   * EOS reaches `rtp_sink` (before the EOS goes on, so
   * `gst-launch-1.0 -m` shows the final counts) and when going from
   * PAUSED to READY.
   *
   * Since: 0.1
   */
  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "Per-SSRC key state and counters", GST_TYPE_STRUCTURE,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GstMikeyDec:server:
   *
   * In rsa-r-group and rsa-r mode, the group key server: `host` or `host:port`
   * (`[address]:port` for IPv6), port 2269 by default.
   *
   * Since: 0.1
   */
  properties[PROP_SERVER] = g_param_spec_string ("server", "Server",
      "rsa-r-group/rsa-r key server: host or host:port (default port 2269)", NULL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:retransmit-timeout:
   *
   * In rsa-r-group and rsa-r mode, the milliseconds to wait for the key server's
   * answer before sending the request again; each later wait is twice
   * the one before.
   *
   * Since: 0.1
   */
  properties[PROP_RETRANSMIT_TIMEOUT] = g_param_spec_uint
      ("retransmit-timeout", "Retransmit timeout",
      "Milliseconds before the first retransmission of the join request "
      "(doubling after each)", 1, G_MAXINT, DEFAULT_RETRANSMIT_TIMEOUT,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:join-timeout:
   *
   * In rsa-r-group and rsa-r mode, the milliseconds after the first request at
   * which joining fails without an answer.
   *
   * Since: 0.1
   */
  properties[PROP_JOIN_TIMEOUT] = g_param_spec_uint ("join-timeout",
      "Join timeout", "Milliseconds to wait for the key server's answer",
      1, G_MAXINT, DEFAULT_JOIN_TIMEOUT,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:rejoin-interval:
   *
   * In rsa-r-group and rsa-r mode, the milliseconds between two re-joins once in
   * the group: a new request, answered with the group's keys as they are
   * then. That is how a member learns of a re-key of the key server
   * (#GstMikeyEnc::rekey): it must re-join within the server's
   * #GstMikeyEnc:rekey-lead (2000 ms by default) to have the next key
   * before the switch, and the old one is announced as long after it. A
   * re-join that gets no answer is retransmitted like the first join;
   * after #GstMikeyDec:join-timeout a warning, and the next re-join. Each
   * re-join costs the server a signature and an encryption: 0 turns them
   * off for a server that does not re-key.
   *
   * Since: 0.1
   */
  properties[PROP_REJOIN_INTERVAL] = g_param_spec_uint ("rejoin-interval",
      "Re-join interval", "Milliseconds between re-joins to the group key "
      "server, to follow its re-keys (0: never)", 0, G_MAXINT,
      DEFAULT_REJOIN_INTERVAL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:keys-in-caps:
   *
   * Whether the caps pushed to srtpdec carry the keys. %FALSE keeps the
   * master keys out of caps (and so out of `gst-launch-1.0 -v` output,
   * caps queries and logs): the caps then carry the upstream fields and
   * `ssrc` only, which srtpdec passes on without making a stream (it makes
   * one only from caps with all four cipher and auth fields, and 1.22.0
   * reads an uninitialised key from such caps without `srtp-key`), and
   * srtpdec gets the keys from its `request-key` signal instead, emitted
   * for the first packet of an SSRC it has no stream of. A srtpdec linked
   * right after `rtp_src` is answered by mikeydec itself (connected from
   * READY to PAUSED); for any other srtpdec (e.g. one made by rtpbin's
   * `request-rtp-decoder`) the application connects its `request-key` to
   * a handler that returns #GstMikeyDec::get-keys. On a re-key mikeydec
   * makes a srtpdec right after it drop the SSRC's stream (`remove-key`),
   * so that it asks again.
   *
   * Since: 0.1
   */
  properties[PROP_KEYS_IN_CAPS] = g_param_spec_boolean ("keys-in-caps",
      "Keys in caps", "Put the keys in the caps pushed to srtpdec (FALSE: "
      "answer srtpdec's request-key instead)", DEFAULT_KEYS_IN_CAPS,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyDec:port:
   *
   * In dh and dhhmac mode, the UDP port (any IPv4 address) where mikeydec,
   * the Responder, waits from PAUSED on for the sender's I_MESSAGE
   * (mikeyenc's #GstMikeyEnc:peer) and answers it. 2269 is the IANA MIKEY
   * port; 0: any free port (see the debug log).
   *
   * Since: 0.1
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", "Port",
      "dh/dhhmac: UDP port to wait on for the sender's key exchange", 0,
      G_MAXUINT16, DEFAULT_PORT,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);
  mikey_pki_install_properties (gobject_class, PROP_PKI_FIRST);

  /**
   * GstMikeyDec::push-message:
   * @mikeydec: the element
   * @message: a MIKEY message
   *
   * Process a MIKEY message that came out of band (SDP `a=key-mgmt`, RTSP
   * `KeyMgmt`...).
   *
   * Returns: whether the message was accepted
   *
   * Since: 0.1
   */
  signals[SIGNAL_PUSH_MESSAGE] = g_signal_new_class_handler ("push-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_mikey_dec_push_message), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, GST_TYPE_BUFFER | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstMikeyDec::on-key-received:
   * @mikeydec: the element
   * @ssrc: the SSRC that got new keys
   *
   * Since: 0.1
   */
  signals[SIGNAL_ON_KEY_RECEIVED] = g_signal_new ("on-key-received",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * GstMikeyDec::get-keys:
   * @mikeydec: the element
   * @ssrc: an SSRC
   *
   * The keys of @ssrc as srtpdec's `request-key` signal returns them
   * (`application/x-srtp` with `srtp-key`, the cipher and auth nicks,
   * `roc`, `mki`...), for a srtpdec that is not right after mikeydec (see
   * #GstMikeyDec:keys-in-caps). It takes only mikeydec's own lock, so it
   * may be called from srtpdec's `request-key` handler.
   *
   * Returns: (transfer full) (nullable): the caps, or %NULL when @ssrc has
   * no keys (yet)
   *
   * Since: 0.1
   */
  signals[SIGNAL_GET_KEYS] = g_signal_new_class_handler ("get-keys",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_mikey_dec_get_keys), NULL, NULL, NULL,
      GST_TYPE_CAPS, 1, G_TYPE_UINT);

  /**
   * GstMikeyDec::accept-certificate:
   * @mikeydec: the element
   * @identity: (nullable): the identity the peer claims (its ID payload),
   *   or %NULL for the certificate's own
   * @pem: the peer's certificate (PEM)
   *
   * The application's say on a peer: the key server (rsa-r modes), the
   * sender (pk, dh modes). Emitted after the certificate chain led to
   * #GstMikeyDec:ca-file, is not revoked, is valid now and bears
   * @identity, and @identity is allowed; from the thread that handles
   * the message (mikeydec's or mikeyenc's UDP thread, or a streaming
   * thread). Without a handler every such peer is accepted.
   *
   * Returns: %TRUE to accept the peer, %FALSE to refuse it as the policy
   * would (RESOURCE / NOT_AUTHORIZED at the peer)
   *
   * Since: 0.1
   */
  mikey_accept_certificate_signal_new (G_TYPE_FROM_CLASS (klass));

  gst_element_class_add_static_pad_template (element_class,
      &rtp_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &rtp_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &rtcp_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &rtcp_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &mikey_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &mikey_src_template);
  gst_element_class_set_static_metadata (element_class, "MIKEY SRTP keys in",
      "Filter/Network/SRTP",
      "Takes SRTP keys from MIKEY (RFC 3830) messages and hands them to "
      "srtpdec in per-SSRC caps", "gst-plugins-mikey");
}
