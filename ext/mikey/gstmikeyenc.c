/* GStreamer MIKEY plugin: mikeyenc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mikeyenc
 * @title: mikeyenc
 * @see_also: srtpenc, mikeydec
 *
 * mikeyenc sits right after a stock srtpenc. When it goes from NULL to
 * READY it draws a master key (and an MKI if #GstMikeyEnc:mki-length is
 * set, or re-keying, rsa-r-group or in-band need one) from GnuTLS's key
 * generator and sets it, with the policy of
 * #GstMikeyEnc:srtp-cipher and #GstMikeyEnc:srtp-auth, on srtpenc, whose
 * only way to take keys is its properties. SRTP and SRTCP pass through
 * untouched.
 *
 * It then describes that key in a MIKEY (RFC 3830) I_MESSAGE, PSK or
 * MIKEY-NULL, whose CS map lists the SSRCs seen so far with their ROC (read
 * from srtpenc's `stats`). A new message is made with the first packet and
 * whenever a new SSRC shows up (and, in band, before the current one gets
 * too old for receivers' clock checks). Each one is pushed on the
 * `mikey_src` pad (`application/mikey`, one message per buffer, from a
 * thread of that pad's own; the stream there ends when `rtp_sink`'s does)
 * and posted as an element message `mikey-message` with a `data` buffer.
 * #GstMikeyEnc::get-message builds one on demand, for carriage out of band
 * (SDP `a=key-mgmt`, RTSP `KeyMgmt`).
 *
 * With #GstMikeyEnc:in-band, the current message also goes out on
 * `rtp_src`, among the SRTP packets (one-way broadcast: a MIKEY message
 * starts with version byte 0x01, which no RTP or RTCP packet can): before
 * the first packet, again every #GstMikeyEnc:announce-interval of running
 * time, and at once when it changes. mikeydec takes such messages out of
 * the stream, so a receiver that joins late gets the keys from the next
 * announcement.
 *
 * With #GstMikeyEnc:mode `rsa-r-group` mikeyenc is instead the group key
 * server of MIKEY-RSA-R (RFC 4738 §3.2): from READY on it listens on UDP
 * #GstMikeyEnc:address : #GstMikeyEnc:port (2269, the IANA MIKEY port, by
 * default) on a thread of its own (a GMainContext of its own, so neither
 * the streaming threads nor the application's main loop wait for the
 * network or the RSA operations), and answers each member's signed
 * I_MESSAGE (mikeydec in the same mode) with an R_MESSAGE carrying the
 * group's keys, sent back to the address the request came from. Members
 * are admitted when their certificate chains to #GstMikeyEnc:ca-file (not
 * revoked by #GstMikeyEnc:crl-file) and, if #GstMikeyEnc:allowed-identities
 * is set, their identity matches one of those patterns. The group's crypto
 * session bundle is made afresh for every answer: the master key srtpenc
 * got, sent as TEK and salt (and the MKI as KV SPI), one crypto session per
 * SSRC seen so far with its ROC from srtpenc's `stats`, or, before the
 * first packet, one crypto session of SSRC 0, which a member binds to the
 * first SSRC it sees (RFC 3830 §6.1.1; srtpenc has one key for all SSRCs,
 * so every crypto session has the same keys anyway). Each answered member
 * is posted as an element message `mikey-member-joined` (`identity`,
 * `address`), each refused one as `mikey-member-refused` (`identity` as
 * claimed in its request when there is one, `address`, `reason`); both are
 * counted in #GstMikeyEnc:stats. A datagram that is no MIKEY request is
 * answered with an Error message as RFC 4738 §3.5 asks and warned about at
 * most every 10 seconds; the server goes on serving. No message goes out
 * on `mikey_src` in this mode, and #GstMikeyEnc:in-band is ignored.
 *
 * With #GstMikeyEnc:mode `rsa-r` (RFC 4738 unicast) the server is the
 * same (address, port, admission, counters and messages), but each
 * receiver (mikeydec in the same mode) makes an exchange of its own: its
 * signed I_MESSAGE is answered with a unicast R_MESSAGE of its own CSB ID
 * that carries the key srtpenc has (TEK and salt, the MKI as KV SPI, the
 * policy as SP) and the SSRCs seen so far (SSRC 0 before the first
 * packet). Stock srtpenc holds one key, so every receiver of one mikeyenc
 * gets the same key, and any of them can decrypt what the others receive:
 * for a key of its own per receiver, use one srtpenc ! mikeyenc per
 * receiver (each with its own port).
 *
 * With #GstMikeyEnc:mode `pk` (RFC 3830 §3.2, public-key mode) the
 * messages are PK I_MESSAGEs to one receiver, delivered the same ways as
 * PSK ones (`mikey_src`, the bus, in band, #GstMikeyEnc::get-message): each
 * carries a new envelope key encrypted to #GstMikeyEnc:peer-certificate
 * (checked against #GstMikeyEnc:ca-file when going to READY), the key
 * srtpenc got under it, our certificate chain (#GstMikeyEnc:certificate) and
 * our signature (#GstMikeyEnc:private-key), and the hash of the receiver's
 * certificate (CHASH), so that a receiver with another certificate tells
 * at once that the message is not for it. mikeydec in the same mode
 * decrypts it with its certificate's private key and verifies our chain
 * with its #GstMikeyDec:ca-file.
 *
 * With #GstMikeyEnc:mode `dh` (RFC 3830 §3.3, signed with
 * #GstMikeyEnc:certificate and checked with #GstMikeyEnc:ca-file) or
 * `dhhmac` (RFC 4650, a MAC keyed from #GstMikeyEnc:psk;
 * #GstMikeyEnc:peer-identity required) mikeyenc and the receiving mikeydec
 * agree on the keys in a two-way exchange over UDP, the built-in transport
 * that works from gst-launch-1.0 as well: from READY on, mikeyenc (the
 * Initiator) sends its I_MESSAGE (DHi in #GstMikeyEnc:dh-group) to
 * #GstMikeyEnc:peer, again after 0.5, 1, 2, 4, 8, 8... s until mikeydec (the
 * Responder, listening on its #GstMikeyDec:port) answers with its
 * R_MESSAGE (DHr). Both derive the TGK and, from it, the TEK and salt of
 * crypto session 1, which becomes srtpenc's key; its MKI, when the key has
 * one (#GstMikeyEnc:mki-length), is the one our DHi names (its key
 * validity, RFC 3830 §6.4). Nothing goes out on `mikey_src`, in band or
 * through #GstMikeyEnc::get-message in these modes.
 *
 * srtpenc refuses READY without a key, so it first gets a random stand-in
 * that never protects a packet: until the exchange is done, RTP packets
 * wait before srtpenc (up to #GstMikeyEnc:max-pending of them, then they
 * are dropped; SRTCP is dropped) and go through it the moment srtpenc has
 * the agreed key. #GstMikeyEnc:stats counts them (`packets-held`,
 * `packets-dropped`) and tells the `exchange-state` (`exchanging`, `done`,
 * `refused`, `failed`) and `requests-sent`. The exchange done is posted as
 * the element message `mikey-exchange-done` (`peer-address`, `csb-id`, and
 * in dh mode `peer-identity`). A receiver that refuses us (its Error
 * message) or that we refuse (its certificate, signature or MAC) fails
 * the exchange with RESOURCE / NOT_AUTHORIZED, unless a valid answer comes
 * within the retransmission interval (an Error message in these modes is
 * not authenticated, so it alone must not end an exchange at once).
 *
 * The I_MESSAGE has one crypto session, of SSRC 0 (RFC 3830 §6.1.1), and
 * stock srtpenc (1.22) holds one key for all the SSRCs it protects: every
 * SSRC of the stream, the first and any that comes later, is protected
 * with crypto session 1's key, and mikeydec gives that key to every SSRC
 * it sees. RFC 3830 derives a TEK per crypto session so that two SSRCs
 * never share a keystream; here they share the master key and rely on
 * SRTP itself, whose IVs take the SSRC in (RFC 3711
 * §4.1.1), so distinct SSRCs still get distinct keystreams. It also means
 * that whoever can decrypt one SSRC of this mikeyenc can decrypt all.
 * Each re-key is a new exchange with the same receiver (see below).
 *
 * ## Re-keying
 *
 * A re-key starts on demand (#GstMikeyEnc::rekey), every
 * #GstMikeyEnc:rekey-interval seconds, or when srtpenc's key reaches
 * libsrtp's soft limit (srtpenc's `soft-limit` signal). It goes in three
 * steps, each posted as an element message `mikey-rekey` (`mki`, the MKI of
 * the new key or, for `retired`, of the old one; `phase`):
 *
 * 1. `distributed`: a new key is drawn (GnuTLS key generator) with the
 *    next MKI (the current one plus one) and described alongside the
 *    current one, which still protects the media: PSK and MIKEY-NULL
 *    messages carry both keys (a new message at once, on `mikey_src` and
 *    the bus, and in band before the next packet); in rsa-r-group mode the
 *    key server answers with both, and members learn them when they
 *    re-join (#GstMikeyDec:rejoin-interval).
 * 2. `switched`, #GstMikeyEnc:rekey-lead later: srtpenc gets the new key and
 *    MKI (its `key` and `mki` properties). Receivers have both keys and
 *    srtpdec picks by the MKI of each packet, so no packet fails
 *    authentication at the switch.
 * 3. `retired`, another #GstMikeyEnc:rekey-lead later: the old key is no
 *    longer described.
 *
 * Keys always carry an MKI while re-keying can happen: see
 * #GstMikeyEnc:mki-length. #GstMikeyEnc:stats counts the switches as
 * `rekeys`.
 *
 * In dh and dhhmac mode the new key comes from a new exchange with the
 * same receiver: an update of the crypto session bundle (RFC 3830 §4.5,
 * RFC 4650 §3.1: the same CSB ID, a new timestamp, no RAND, a new DHi
 * whose key validity names the next MKI), sent and sent again like the
 * first request. The receiver takes the new key beside the one in use
 * before it answers, so `distributed` is posted when the answer comes,
 * then the switch and the retirement follow as above (the receiver keeps
 * the old key until the next re-key: it cannot tell when the sender
 * stopped using it). A re-key whose exchange is refused, or goes
 * unanswered for #GstMikeyEnc:rekey-timeout, is given up with a warning
 * (RESOURCE / NOT_AUTHORIZED or OPEN_READ; `rekeys-failed` in
 * #GstMikeyEnc:stats): srtpenc keeps its key, the media goes on, and the
 * next re-key (the next #GstMikeyEnc:rekey-interval) tries again.
 * #GstMikeyEnc::rekey returns %TRUE once the exchange has started.
 *
 * srtpenc before GStreamer 1.30 starts the rollover counter (ROC, the
 * count of sequence number wraps that enters the packet index and the
 * authentication) at 0 again when its key changes, against RFC 3711 §3.3.1;
 * receivers keep theirs. mikeyenc therefore never assumes a ROC: every
 * message gives the ROC srtpenc reports in its `stats`, and right after the
 * switch (srtpenc's caps with the new MKI, before its first packet under
 * the new key) a new message goes out that lists the new key first with
 * the ROC srtpenc now uses (0 on 1.22, the kept one on 1.30). In band that
 * message comes before the first packet under the new key, so a re-key
 * after a wrap loses nothing either. In rsa-r-group (and rsa-r) mode
 * members ask for it: mikeydec holds the first packet under the new key
 * and re-joins at once when its ROC may differ. Out of band through
 * `mikey_src` the message reaches receivers later: mikeydec holds the
 * packets under the new key until it comes (when the ROC may differ,
 * after a wrap; at most 256 packets or max-pending, then on with the ROC
 * it has).
 * In dh and dhhmac mode every exchange gives ROC 0 (its one crypto session
 * stands for every SSRC), srtpenc 1.22's ROC under the new key; mikeydec
 * keeps srtpdec's own count under the old key until the first packet
 * under the new one, so a re-key after a wrap loses nothing there either
 * (not so against an srtpenc that keeps its ROC, GStreamer 1.30).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! alawenc ! rtppcmapay ! srtpenc ! mikeyenc name=me psk=000102030405060708090a0b0c0d0e0f ! udpsink host=127.0.0.1 port=5004  me.mikey_src ! udpsink host=127.0.0.1 port=2269
 * ]| keys on a port of their own (mikeydec's `mikey_sink`).
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! alawenc ! rtppcmapay ! srtpenc ! mikeyenc psk=000102030405060708090a0b0c0d0e0f in-band=true announce-interval=2000 ! udpsink host=239.1.2.3 port=5004
 * ]| keys in the SRTP stream, every two seconds.
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! alawenc ! rtppcmapay ! srtpenc ! mikeyenc mode=rsa-r-group certificate=server.pem private-key=server.key ca-file=ca.pem 'allowed-identities=<"sip:alice@example.org", "sip:*@example.com">' ! udpsink host=239.1.2.3 port=5004
 * ]| a group key server on UDP port 2269 for receivers of a multicast stream,
 * admitting alice and anyone at example.com.
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! alawenc ! rtppcmapay ! srtpenc ! mikeyenc mode=pk certificate=sender.pem private-key=sender.key ca-file=ca.pem peer-certificate=receiver.pem in-band=true ! udpsink host=192.0.2.7 port=5004
 * ]| keys in band for one receiver, in public-key mode.
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! alawenc ! rtppcmapay ! srtpenc ! mikeyenc mode=dhhmac psk=000102030405060708090a0b0c0d0e0f peer=192.0.2.7:2269 peer-identity='"sip:bob@example.org"' max-pending=100 ! udpsink host=192.0.2.7 port=5004
 * ]| DH-HMAC with the receiver at 192.0.2.7 (`mikeydec mode=dhhmac
 * psk=... identity='"sip:bob@example.org"'` there); the first 100 packets
 * wait for the exchange.
 *
 * Since: 0.1
 */
#include "gstmikeyelements.h"
#include "gstmikeyenc.h"

#include <string.h>
#include <gnutls/crypto.h>
#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY_STATIC (gst_mikey_enc_debug);
#define GST_CAT_DEFAULT gst_mikey_enc_debug

#define DEFAULT_MODE GST_MIKEY_MODE_PSK
#define DEFAULT_SRTP_CIPHER "aes-128-icm"
#define DEFAULT_SRTP_AUTH "hmac-sha1-80"
#define DEFAULT_MKI_LENGTH 0
#define MAX_MKI_LENGTH 128
#define MAX_MASTER_LEN 46
#define DEFAULT_IN_BAND FALSE
#define DEFAULT_ANNOUNCE_INTERVAL 1000
/* A repeated message gets old; receivers refuse one older than their clock
 * skew allowance (RFC 3830 §5.4; 5 minutes in mky): a new one is made once
 * the current one is this old. */
#define REFRESH_AGE (60 * G_USEC_PER_SEC)
#define DEFAULT_PORT MIKEY_UDP_PORT
#define DEFAULT_ADDRESS "0.0.0.0"
/* anyone may send junk: one warning on the bus per this many seconds */
#define MALFORMED_WARNING_INTERVAL (10 * G_USEC_PER_SEC)
#define GROUP_RAND_LEN 16
#define DEFAULT_REKEY_INTERVAL 0
#define DEFAULT_REKEY_LEAD 2000
#define DEFAULT_REKEY_TIMEOUT 10000
#define DEFAULT_DH_GROUP GST_MIKEY_DH_GROUP_OAKLEY_5
#define DEFAULT_MAX_PENDING 0
/* the I_MESSAGE of a DH exchange again after this many ms without an
 * answer, the wait doubling up to DH_RETRANSMIT_MAX */
#define DH_RETRANSMIT_FIRST 500
#define DH_RETRANSMIT_MAX 8000

enum
{
  PROP_0,
  PROP_MODE,
  PROP_PSK,
  PROP_SRTP_CIPHER,
  PROP_SRTP_AUTH,
  PROP_MKI_LENGTH,
  PROP_IN_BAND,
  PROP_ANNOUNCE_INTERVAL,
  PROP_PORT,
  PROP_ADDRESS,
  PROP_ALLOWED_IDENTITIES,
  PROP_STATS,
  PROP_REKEY_INTERVAL,
  PROP_REKEY_LEAD,
  PROP_PEER_CERTIFICATE,
  PROP_DH_GROUP,
  PROP_PEER,
  PROP_PEER_IDENTITY,
  PROP_MAX_PENDING,
  PROP_REKEY_TIMEOUT,
  N_PROPERTIES,
  /* certificate, private-key, ca-file, crl-file, identity */
  PROP_PKI_FIRST = N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

enum
{
  SIGNAL_GET_MESSAGE,
  SIGNAL_REKEY,
  SIGNAL_ON_REKEY,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* Where a re-key stands: in dh modes the exchange that agrees the next
 * key under way; the next key distributed alongside the current one, or
 * srtpenc switched to it and the old one still announced */
typedef enum
{
  REKEY_IDLE,
  REKEY_EXCHANGING,
  REKEY_DISTRIBUTED,
  REKEY_SWITCHED,
} RekeyPhase;

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

struct _GstMikeyEnc
{
  GstElement parent;

  GstPad *rtp_sink, *rtp_src, *rtcp_sink, *rtcp_src;
  MikeyOutPad out;

  /* the rest under the object lock */
  GstMikeyMode mode;
  GBytes *psk;
  gchar *srtp_cipher;
  gchar *srtp_auth;
  guint mki_length;
  gboolean in_band;
  guint announce_interval;      /* ms */
  MikeyPki pki;
  guint port;
  gchar *address;
  gchar **allowed;
  gchar *peer_certificate;

  GstElement *srtpenc;          /* provisioned, READY and up */
  gboolean keyed;
  MkySrtpPolicy policy;
  guint8 master[MAX_MASTER_LEN];        /* key || salt */
  guint8 mki[MAX_MKI_LENGTH];
  gsize mki_len;
  guint32 csb_id;
  MkyT last_t;                  /* T of the last message */
  GArray *ssrcs;                /* guint32, in the order seen */
  gint announce;                /* a new SSRC: make a new message (atomic
                                 * reads without the lock) */
  /* the SSRC of the last RTP packet, known: set under the lock, read
   * without it by rtp_sink's streaming thread */
  guint32 last_ssrc;
  gboolean last_ssrc_valid;
  MkyPkInitiator *pk;           /* pk mode, READY and up */
  GBytes *message;              /* the current one, repeated in band */
  guint message_seq;            /* bumped with every new one */
  gint64 message_time;          /* real time it was made */
  GstSegment segment;           /* of rtp_sink, for the running time */
  guint in_band_seq;            /* message_seq last sent in band */
  GstClockTime in_band_time;    /* running time it was sent at */

  /* the group key server (rsa-r-group), READY and up; the responder is
   * used on the UDP thread only */
  MikeyUdp *udp;
  MkyRsaRResponder *responder;
  guint8 group_rand[GROUP_RAND_LEN];
  guint64 members_joined;
  guint64 members_rejoined;
  GHashTable *member_ids;       /* identities answered (UDP thread) */
  guint64 members_refused;
  guint64 requests_repeated;
  guint64 requests_dropped;
  guint64 datagrams_malformed;
  gint64 malformed_warned;      /* monotonic time of the last warning */

  /* re-keying */
  guint rekey_interval;         /* s */
  guint rekey_lead;             /* ms */
  RekeyPhase rekey_phase;
  guint8 other_master[MAX_MASTER_LEN];  /* the next key, or the old one */
  guint8 other_mki[MAX_MKI_LENGTH];
  gboolean switch_seen;         /* srtpenc's caps have the new MKI */
  GstClockID step_timer;        /* the next phase */
  GstClockID interval_timer;    /* the next re-key */
  gulong soft_limit_id;
  guint64 rekeys;
  guint rekey_timeout;          /* ms, dh modes */
  guint64 rekeys_failed;

  /* dh, dhhmac: we are the Initiator, READY and up; the exchange runs on
   * the UDP thread (udp) */
  GstMikeyDhGroup dh_group;
  gchar *peer;
  gchar *peer_identity;
  guint max_pending;
  gboolean srtp_ready;          /* srtpenc has the key receivers get */
  GstPad *hold_pad;             /* srtpenc's rtp_sink_N, probed */
  gulong hold_probe;
  /* GstBuffer for srtpenc until it is keyed, and the serialized events
   * (EOS) that came after them */
  GQueue held;
  guint64 packets_held;
  guint64 packets_dropped;
  MkyDhInitiator *dh;
  gchar *dh_peer;               /* peer when the exchange started */
  MkyCsb *dh_csb;
  GBytes *dh_request;
  guint dh_sends;               /* times @dh_request went out */
  GSocketAddress *peer_addr;
  GSource *dh_timer;
  guint dh_wait;                /* ms */
  gchar *dh_refusal;            /* refused (hint or authenticated): why */
  gboolean dh_done;
  gboolean dh_update;           /* the exchange under way is a re-key's */
  gint64 dh_deadline;           /* monotonic: a re-key's gives up then */
  const gchar *exchange_state;  /* for stats, under the object lock */
  guint64 requests_sent;
};

#define gst_mikey_enc_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMikeyEnc, gst_mikey_enc, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_mikey_enc_debug, "mikeyenc", 0,
        "MIKEY key management for srtpenc"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (mikeyenc, "mikeyenc", GST_RANK_NONE,
    GST_TYPE_MIKEY_ENC, mikey_element_init (plugin));

/* call with the object lock; TRUE when @ssrc is new */
static gboolean
add_ssrc (GstMikeyEnc *self, guint32 ssrc)
{
  for (guint i = 0; i < self->ssrcs->len; i++)
    if (g_array_index (self->ssrcs, guint32, i) == ssrc)
      return FALSE;
  g_array_append_val (self->ssrcs, ssrc);
  g_atomic_int_set (&self->announce, TRUE);
  GST_DEBUG_OBJECT (self, "new SSRC %u", ssrc);
  return TRUE;
}

/* SSRC -> ROC of the SSRCs srtpenc has seen */
static GHashTable *
current_rocs (GstMikeyEnc *self)
{
  GstElement *srtpenc = NULL;
  GHashTable *rocs;

  GST_OBJECT_LOCK (self);
  if (self->srtpenc)
    srtpenc = gst_object_ref (self->srtpenc);
  GST_OBJECT_UNLOCK (self);
  /* not under our lock: srtpenc takes its own */
  rocs = mikey_srtp_rocs (srtpenc);
  if (srtpenc)
    gst_object_unref (srtpenc);
  return rocs;
}

/* The current key, policy and SSRCs (with their @rocs; SSRC 0 if none
 * was seen yet and @placeholder) into @csb. Call with the object lock. */
static void
fill_bundle (GstMikeyEnc *self, MkyCsb *csb, GHashTable *rocs,
    gboolean placeholder)
{
  for (guint i = 0; i < self->ssrcs->len; i++) {
    guint32 ssrc = g_array_index (self->ssrcs, guint32, i);
    mky_csb_add_cs (csb, 0, ssrc, GPOINTER_TO_UINT (g_hash_table_lookup (rocs,
                GUINT_TO_POINTER (ssrc))));
  }
  if (self->ssrcs->len == 0 && placeholder)
    mky_csb_add_cs (csb, 0, 0, 0);
  mky_csb_set_policy (csb, 0, &self->policy, FALSE);
  /* the key srtpenc uses first: srtpdec re-creates its stream (with the
   * ROC given here) when it changes */
  mky_csb_add_key (csb, MKY_KD_TEK_SALT, self->master, self->policy.key_len,
      self->master + self->policy.key_len, self->policy.salt_len,
      self->mki_len ? self->mki : NULL, self->mki_len);
  /* while a re-key overlaps, the next or the old key too: srtpdec picks by
   * MKI */
  if (self->rekey_phase != REKEY_IDLE)
    mky_csb_add_key (csb, MKY_KD_TEK_SALT, self->other_master,
        self->policy.key_len, self->other_master + self->policy.key_len,
        self->policy.salt_len, self->other_mki, self->mki_len);
}

/* A new I_MESSAGE for the current key and SSRCs */
static GBytes *
build_message (GstMikeyEnc *self, GError **error)
{
  g_autoptr (GHashTable) rocs = current_rocs (self);
  g_autoptr (MkyCsb) csb = NULL;
  g_autoptr (MkyPskInitiator) ini = NULL;
  MkyConfig cfg;
  GBytes *msg;

  GST_OBJECT_LOCK (self);
  if (!self->keyed || MIKEY_MODE_IS_RSA_R (self->mode)
      || MIKEY_MODE_IS_DH (self->mode)) {
    GST_OBJECT_UNLOCK (self);
    g_set_error (error, MKY_ERROR, MKY_ERROR_STATE, !self->keyed ?
        "no key yet (mikeyenc sets one on srtpenc when going to READY)" :
        MIKEY_MODE_IS_RSA_R (self->mode) ?
        "no I_MESSAGE in rsa-r modes (receivers ask mikeyenc's server)" :
        "no I_MESSAGE to hand out in dh and dhhmac mode (the exchange with "
        "the peer makes the keys)");
    return NULL;
  }
  /* an initial message every time (a new RAND), so that a receiver that
   * missed the earlier ones takes this one; the same CSB ID, and T moving
   * on from the last */
  csb = mky_csb_new (self->csb_id);
  csb->t = self->last_t;
  fill_bundle (self, csb, rocs, FALSE);
  if (self->pk) {
    /* a new envelope key, encrypted to the receiver, and our signature */
    msg = mky_pk_initiator_build (self->pk, csb, FALSE, g_get_real_time (),
        error);
  } else {
    mikey_config_init (&cfg, self->mode, self->psk, FALSE);
    ini = mky_psk_initiator_new (&cfg);
    mky_config_clear (&cfg);
    msg = mky_psk_initiator_build (ini, csb, FALSE, g_get_real_time (),
        error);
  }
  if (msg)
    self->last_t = csb->t;
  GST_OBJECT_UNLOCK (self);
  return msg;
}

static GstBuffer *
gst_mikey_enc_get_message (GstMikeyEnc *self)
{
  g_autoptr (GError) error = NULL;
  GBytes *msg = build_message (self, &error);
  GstBuffer *buf;

  if (msg == NULL) {
    GST_WARNING_OBJECT (self, "no MIKEY message: %s", error->message);
    return NULL;
  }
  buf = gst_buffer_new_wrapped_bytes (msg);
  g_bytes_unref (msg);
  return buf;
}

/* Make a new current message and send it on mikey_src and the bus */
static void
renew_message (GstMikeyEnc *self)
{
  g_autoptr (GError) error = NULL;
  GBytes *msg = build_message (self, &error);

  if (msg == NULL) {
    GST_WARNING_OBJECT (self, "no MIKEY message: %s", error->message);
    return;
  }
  GST_OBJECT_LOCK (self);
  if (self->message)
    g_bytes_unref (self->message);
  self->message = g_bytes_ref (msg);
  self->message_seq++;
  self->message_time = g_get_real_time ();
  GST_OBJECT_UNLOCK (self);
  mikey_out_pad_send (&self->out, msg);
}

/* The running time of @buf on rtp_sink (NONE if unknown). Call with the
 * object lock. */
static GstClockTime
running_time (GstMikeyEnc *self, GstBuffer *buf)
{
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) :
      GST_BUFFER_DTS (buf);

  if (self->segment.format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (ts))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, ts);
}

/* Whether the in-band repeat is due at running time @now. Call with the
 * object lock. */
static gboolean
repeat_due (GstMikeyEnc *self, GstClockTime now)
{
  if (self->announce_interval == 0 || !GST_CLOCK_TIME_IS_VALID (now))
    return FALSE;
  return !GST_CLOCK_TIME_IS_VALID (self->in_band_time)
      || now >= self->in_band_time + self->announce_interval * GST_MSECOND;
}

/* The current message in band, before @media, if it is due */
static GstFlowReturn
announce_in_band (GstMikeyEnc *self, GstBuffer *media, GstClockTime now,
    gboolean repeat)
{
  GBytes *msg = NULL;
  GstBuffer *buf;

  GST_OBJECT_LOCK (self);
  if (self->message && (repeat || self->in_band_seq != self->message_seq)) {
    msg = g_bytes_ref (self->message);
    self->in_band_seq = self->message_seq;
    if (GST_CLOCK_TIME_IS_VALID (now))
      self->in_band_time = now;
  }
  GST_OBJECT_UNLOCK (self);
  if (msg == NULL)
    return GST_FLOW_OK;
  buf = gst_buffer_new_wrapped_bytes (msg);
  g_bytes_unref (msg);
  /* the packet's times, so that a syncing sink sends it along with it */
  GST_BUFFER_PTS (buf) = GST_BUFFER_PTS (media);
  GST_BUFFER_DTS (buf) = GST_BUFFER_DTS (media);
  GST_LOG_OBJECT (self, "MIKEY message in band%s", repeat ? " (repeat)" : "");
  return gst_pad_push (self->rtp_src, buf);
}

/* Whether @buf on @pad is RTP (not rtcp-mux SRTCP, payload types
 * 64..80); its header into @head */
static inline gboolean
is_rtp (GstMikeyEnc *self, GstPad *pad, GstBuffer *buf, guint8 head[12])
{
  return pad == self->rtp_sink && mikey_buffer_head (buf, head, 12) == 12
      && head[0] >> 6 == 2 && !((head[1] & 0x7f) >= 64
      && (head[1] & 0x7f) <= 80);
}

/* The keyed path for RTP with header @head: an SSRC already known,
 * nothing to announce, no in-band timing (in-band is only changed in
 * READY): straight on */
static inline gboolean
goes_straight (GstMikeyEnc *self, const guint8 head[12])
{
  return self->last_ssrc_valid && !self->in_band
      && GST_READ_UINT32_BE (head + 8) == self->last_ssrc
      && !g_atomic_int_get (&self->announce);
}

static GstFlowReturn
gst_mikey_enc_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (parent);
  GstClockTime now = GST_CLOCK_TIME_NONE;
  gboolean group, in_band, repeat = FALSE, renew;
  guint8 head[12];
  gboolean rtp = is_rtp (self, pad, buf, head);

  if (rtp && goes_straight (self, head))
    return gst_pad_push (self->rtp_src, buf);

  GST_OBJECT_LOCK (self);
  if (!self->srtp_ready) {
    /* dh, dhhmac: srtpenc still has the stand-in key of READY (RTP waits
     * before srtpenc, see hold_probe; this is SRTCP) */
    self->packets_dropped++;
    GST_OBJECT_UNLOCK (self);
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (rtp) {
    self->last_ssrc = GST_READ_UINT32_BE (head + 8);
    add_ssrc (self, self->last_ssrc);
    self->last_ssrc_valid = TRUE;
  }
  /* in rsa-r-group mode members ask the key server for the keys, in dh
   * modes the exchange makes them: no messages to announce */
  group = MIKEY_MODE_IS_RSA_R (self->mode) || MIKEY_MODE_IS_DH (self->mode);
  in_band = self->in_band && pad == self->rtp_sink && !group;
  if (in_band) {
    now = running_time (self, buf);
    repeat = repeat_due (self, now);
  }
  renew = !group && (self->announce || (in_band && self->message == NULL)
      || (repeat && g_get_real_time () - self->message_time > REFRESH_AGE));
  g_atomic_int_set (&self->announce, FALSE);
  GST_OBJECT_UNLOCK (self);
  /* srtpenc pushes with its lock released: its stats can be read here */
  if (renew)
    renew_message (self);
  if (in_band) {
    GstFlowReturn ret = announce_in_band (self, buf, now, repeat);
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref (buf);
      return ret;
    }
  }

  return gst_pad_push (pad == self->rtp_sink ? self->rtp_src :
      self->rtcp_src, buf);
}

/* A list (srtpenc passes on what a payloader made as one, e.g. the
 * packets of a video frame) stays one when it all goes straight on, so
 * that udpsink still sends it with one system call; otherwise packet by
 * packet */
static GstFlowReturn
gst_mikey_enc_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (parent);
  guint n = gst_buffer_list_length (list), i;
  guint8 head[12];

  for (i = 0; i < n; i++)
    if (!is_rtp (self, pad, gst_buffer_list_get (list, i), head)
        || !goes_straight (self, head))
      break;
  if (i == n)
    return gst_pad_push_list (self->rtp_src, list);
  return mikey_chain_each (pad, parent, list, gst_mikey_enc_chain);
}

static gboolean
gst_mikey_enc_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    guint ssrc;

    const GstStructure *st;
    const GValue *mki;

    gst_event_parse_caps (event, &caps);
    st = gst_caps_get_structure (caps, 0);
    /* srtpenc's caps carry the key: never log them above TRACE */
    GST_TRACE_OBJECT (pad, "caps %" GST_PTR_FORMAT, caps);
    mki = gst_structure_get_value (st, "mki");
    GST_OBJECT_LOCK (self);
    if (gst_structure_get_uint (st, "ssrc", &ssrc))
      add_ssrc (self, ssrc);
    /* srtpenc sends new caps before its first packet under a new key, and
     * has reset its ROC then (1.22): the message with the ROC it now uses
     * goes out before that packet */
    if (self->rekey_phase == REKEY_SWITCHED && !self->switch_seen && mki
        && GST_VALUE_HOLDS_BUFFER (mki)
        && gst_buffer_get_size (gst_value_get_buffer (mki)) == self->mki_len
        && gst_buffer_memcmp (gst_value_get_buffer (mki), 0, self->mki,
            self->mki_len) == 0) {
      self->switch_seen = TRUE;
      g_atomic_int_set (&self->announce, TRUE);
    }
    GST_OBJECT_UNLOCK (self);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT
      && pad == self->rtp_sink) {
    GST_OBJECT_LOCK (self);
    gst_event_copy_segment (event, &self->segment);
    /* a new stream, or a seek: the message again before the next packet */
    self->in_band_seq = 0;
    self->in_band_time = GST_CLOCK_TIME_NONE;
    GST_OBJECT_UNLOCK (self);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && pad == self->rtp_sink) {
    /* the messages end with the media stream */
    mikey_out_pad_eos (&self->out);
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstIterator *
gst_mikey_enc_iterate_internal_links (GstPad *pad, GstObject *parent)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (parent);
  GstPad *other = NULL;
  GValue v = G_VALUE_INIT;
  GstIterator *it;

  if (pad == self->rtp_sink)
    other = self->rtp_src;
  else if (pad == self->rtp_src)
    other = self->rtp_sink;
  else if (pad == self->rtcp_sink)
    other = self->rtcp_src;
  else if (pad == self->rtcp_src)
    other = self->rtcp_sink;
  if (other == NULL)
    return NULL;
  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

/* Provisioning srtpenc */

static gboolean
set_enum_by_nick (GstElement *e, const char *prop, const char *type_name,
    const char *nick)
{
  GType t = g_type_from_name (type_name);
  GEnumClass *klass;
  GEnumValue *v;

  if (t == 0 || !G_TYPE_IS_ENUM (t))
    return FALSE;
  klass = g_type_class_ref (t);
  v = g_enum_get_value_by_nick (klass, nick);
  if (v)
    g_object_set (e, prop, v->value, NULL);
  g_type_class_unref (klass);
  return v != NULL;
}

static void on_soft_limit (GstElement *srtpenc, GstMikeyEnc *self);
static void clear_timer (GstClockID *timer);

static GstElement *
find_srtpenc (GstMikeyEnc *self)
{
  GstPad *peer = gst_pad_get_peer (self->rtp_sink);
  GstElement *e = NULL;

  if (peer == NULL)
    return NULL;
  e = gst_pad_get_parent_element (peer);
  gst_object_unref (peer);
  if (e && strcmp (G_OBJECT_TYPE_NAME (e), "GstSrtpEnc") != 0)
    gst_clear_object (&e);
  return e;
}

static gboolean
provision (GstMikeyEnc *self)
{
  g_autoptr (GError) error = NULL;
  GstElement *srtpenc = find_srtpenc (self);
  MkySrtpPolicy pol;
  gchar *cipher, *auth;
  gsize master_len;
  guint mki_length;
  guint8 master[MAX_MASTER_LEN], mki[MAX_MKI_LENGTH];
  GstBuffer *kb;
  gboolean ok;

  if (srtpenc == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_("mikeyenc must follow srtpenc directly.")),
        ("the peer of rtp_sink is no srtpenc (link srtpenc's rtp_src_N to "
            "mikeyenc's rtp_sink before going to READY)"));
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  cipher = g_strdup (self->srtp_cipher);
  auth = g_strdup (self->srtp_auth);
  mki_length = self->mki_length;
  /* two keys at once need MKIs to tell them apart: wherever a re-key may
   * come without the application asking (interval, group, in band). In
   * dh modes the key drawn here is a stand-in, but the MKI is the one
   * the first exchange agrees (our DHi's SPI) */
  if (mki_length == 0 && (self->rekey_interval > 0
          || MIKEY_MODE_IS_RSA_R (self->mode) || self->in_band))
    mki_length = 1;
  GST_OBJECT_UNLOCK (self);
  ok = mky_srtp_policy_from_nicks (cipher, auth, cipher, auth, &pol, &error);
  if (!ok) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Unsupported SRTP policy.")), ("%s", error->message));
    goto out;
  }
  master_len = mky_srtp_policy_master_len (&pol);
  if (master_len == 0 || master_len > sizeof master) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Unsupported SRTP policy.")),
        ("%s/%s: no master key to transport", cipher, auth));
    ok = FALSE;
    goto out;
  }
  if (gnutls_rnd (GNUTLS_RND_KEY, master, master_len) < 0
      || (mki_length && gnutls_rnd (GNUTLS_RND_NONCE, mki, mki_length) < 0)) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("gnutls_rnd failed"));
    ok = FALSE;
    goto out;
  }

  /* srtpenc takes keys only from its properties */
  kb = gst_buffer_new_memdup (master, master_len);
  g_object_set (srtpenc, "key", kb, NULL);
  gst_buffer_unref (kb);
  if (mki_length) {
    GstBuffer *mb = gst_buffer_new_memdup (mki, mki_length);
    g_object_set (srtpenc, "mki", mb, NULL);
    gst_buffer_unref (mb);
  } else if (g_object_class_find_property (G_OBJECT_GET_CLASS (srtpenc),
          "mki")) {
    g_object_set (srtpenc, "mki", NULL, NULL);
  }
  ok = set_enum_by_nick (srtpenc, "rtp-cipher", "GstSrtpCipherType", cipher)
      && set_enum_by_nick (srtpenc, "rtcp-cipher", "GstSrtpCipherType", cipher)
      && set_enum_by_nick (srtpenc, "rtp-auth", "GstSrtpAuthType", auth)
      && set_enum_by_nick (srtpenc, "rtcp-auth", "GstSrtpAuthType", auth);
  if (!ok) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Unsupported SRTP policy.")),
        ("srtpenc does not take %s/%s", cipher, auth));
    goto out;
  }

  GST_OBJECT_LOCK (self);
  gst_object_replace ((GstObject **) & self->srtpenc, GST_OBJECT (srtpenc));
  self->soft_limit_id = g_signal_connect_object (srtpenc, "soft-limit",
      G_CALLBACK (on_soft_limit), self, 0);
  self->policy = pol;
  self->rekey_phase = REKEY_IDLE;
  memcpy (self->master, master, master_len);
  memcpy (self->mki, mki, mki_length);
  self->mki_len = mki_length;
  gnutls_rnd (GNUTLS_RND_NONCE, &self->csb_id, sizeof self->csb_id);
  if (self->csb_id == 0)
    self->csb_id = 1;
  memset (&self->last_t, 0, sizeof self->last_t);
  self->keyed = TRUE;
  /* dh modes: the key drawn here is a stand-in (srtpenc refuses READY
   * without one) that protects no packet: media waits for the exchange */
  self->srtp_ready = !MIKEY_MODE_IS_DH (self->mode);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "provisioned %" GST_PTR_FORMAT " with a %s/%s key"
      "%s", srtpenc, cipher, auth, mki_length ? " and an MKI" : "");

out:
  explicit_bzero (master, sizeof master);
  gst_object_unref (srtpenc);
  g_free (cipher);
  g_free (auth);
  return ok;
}

static void
forget_key (GstMikeyEnc *self)
{
  GstElement *srtpenc;
  gulong id;

  GST_OBJECT_LOCK (self);
  clear_timer (&self->step_timer);
  clear_timer (&self->interval_timer);
  explicit_bzero (self->master, sizeof self->master);
  explicit_bzero (self->mki, sizeof self->mki);
  explicit_bzero (self->other_master, sizeof self->other_master);
  self->rekey_phase = REKEY_IDLE;
  self->keyed = FALSE;
  self->srtp_ready = FALSE;
  srtpenc = g_steal_pointer (&self->srtpenc);
  id = self->soft_limit_id;
  self->soft_limit_id = 0;
  GST_OBJECT_UNLOCK (self);
  if (srtpenc) {
    if (id)
      g_signal_handler_disconnect (srtpenc, id);
    gst_object_unref (srtpenc);
  }
}

/* Re-keying: the next key (the next MKI) goes out with the current one,
 * srtpenc switches to it rekey-lead later, the old one is dropped another
 * rekey-lead later. Timers on the system clock's thread. */

/* Call with the object lock */
static void
clear_timer (GstClockID *timer)
{
  if (*timer) {
    gst_clock_id_unschedule (*timer);
    gst_clock_id_unref (*timer);
    *timer = NULL;
  }
}

/* Run @func in @ms on the system clock's thread. Call with the object
 * lock. */
static void
arm_timer (GstMikeyEnc *self, GstClockID *timer, guint64 ms,
    GstClockCallback func)
{
  GstClock *clock = gst_system_clock_obtain ();

  clear_timer (timer);
  *timer = gst_clock_new_single_shot_id (clock, gst_clock_get_time (clock)
      + ms * GST_MSECOND);
  gst_clock_id_wait_async (*timer, func, gst_object_ref (self),
      (GDestroyNotify) gst_object_unref);
  gst_object_unref (clock);
}

/* Whether @id is still the timer in @timer (and forget it). Call with the
 * object lock. */
static gboolean
timer_current (GstClockID *timer, GstClockID id)
{
  if (*timer != id)
    return FALSE;
  gst_clock_id_unref (*timer);
  *timer = NULL;
  return TRUE;
}

static void
post_rekey (GstMikeyEnc *self, const guint8 *mki, gsize mki_len,
    const gchar *phase)
{
  GstBuffer *b = gst_buffer_new_memdup (mki, mki_len);

  GST_INFO_OBJECT (self, "re-key: %s", phase);
  g_signal_emit (self, signals[SIGNAL_ON_REKEY], 0, phase, b);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("mikey-rekey", "mki", GST_TYPE_BUFFER, b,
              "phase", G_TYPE_STRING, phase, NULL)));
  gst_buffer_unref (b);
}

/* A new message with the keys as they are now, where messages go */
static void
rekey_announce (GstMikeyEnc *self)
{
  gboolean psk;

  GST_OBJECT_LOCK (self);
  psk = !MIKEY_MODE_IS_RSA_R (self->mode) && !MIKEY_MODE_IS_DH (self->mode);
  GST_OBJECT_UNLOCK (self);
  /* in group mode each answer is made from the keys as they are; in dh
   * modes the exchange told the receiver, which keeps the old key until
   * the next re-key */
  if (psk)
    renew_message (self);
}

static gboolean
retire_timer (GstClock *clock, GstClockTime t, GstClockID id, gpointer data)
{
  GstMikeyEnc *self = data;
  guint8 mki[MAX_MKI_LENGTH];
  gsize mki_len;

  GST_OBJECT_LOCK (self);
  if (!timer_current (&self->step_timer, id)
      || self->rekey_phase != REKEY_SWITCHED) {
    GST_OBJECT_UNLOCK (self);
    return TRUE;
  }
  explicit_bzero (self->other_master, sizeof self->other_master);
  self->rekey_phase = REKEY_IDLE;
  mki_len = self->mki_len;
  memcpy (mki, self->other_mki, mki_len);
  GST_OBJECT_UNLOCK (self);
  rekey_announce (self);
  post_rekey (self, mki, mki_len, "retired");
  return TRUE;
}

static gboolean
switch_timer (GstClock *clock, GstClockTime t, GstClockID id, gpointer data)
{
  GstMikeyEnc *self = data;
  guint8 tmp[MAX_MASTER_LEN];
  guint8 mki[MAX_MKI_LENGTH];
  gsize master_len, mki_len;
  GstElement *srtpenc;
  GstBuffer *kb, *mb;

  GST_OBJECT_LOCK (self);
  if (!timer_current (&self->step_timer, id)
      || self->rekey_phase != REKEY_DISTRIBUTED || self->srtpenc == NULL) {
    GST_OBJECT_UNLOCK (self);
    return TRUE;
  }
  /* the next key becomes the current one, the current one the old */
  master_len = mky_srtp_policy_master_len (&self->policy);
  mki_len = self->mki_len;
  memcpy (tmp, self->master, master_len);
  memcpy (self->master, self->other_master, master_len);
  memcpy (self->other_master, tmp, master_len);
  explicit_bzero (tmp, sizeof tmp);
  memcpy (mki, self->mki, mki_len);
  memcpy (self->mki, self->other_mki, mki_len);
  memcpy (self->other_mki, mki, mki_len);
  memcpy (mki, self->mki, mki_len);
  self->rekey_phase = REKEY_SWITCHED;
  self->switch_seen = FALSE;
  self->rekeys++;
  kb = gst_buffer_new_memdup (self->master, master_len);
  mb = gst_buffer_new_memdup (self->mki, mki_len);
  srtpenc = gst_object_ref (self->srtpenc);
  arm_timer (self, &self->step_timer, self->rekey_lead, retire_timer);
  GST_OBJECT_UNLOCK (self);

  /* srtpenc takes both with its next packet (and then, before 1.30,
   * starts its ROC at 0 again) */
  g_object_set (srtpenc, "key", kb, "mki", mb, NULL);
  gst_object_unref (srtpenc);
  gst_buffer_unref (kb);
  gst_buffer_unref (mb);
  post_rekey (self, mki, mki_len, "switched");
  return TRUE;
}

static gboolean interval_timer (GstClock *clock, GstClockTime t,
    GstClockID id, gpointer data);
static gboolean dh_rekey_start (gpointer user_data);

static gboolean
gst_mikey_enc_rekey (GstMikeyEnc *self)
{
  guint8 mki[MAX_MKI_LENGTH];
  gsize mki_len;
  const gchar *why = NULL;
  gboolean dh;

  GST_OBJECT_LOCK (self);
  dh = MIKEY_MODE_IS_DH (self->mode);
  if (!self->keyed)
    why = "no key yet (mikeyenc keys srtpenc when going to READY)";
  else if (self->mki_len == 0)
    why = "the key has no MKI (set mki-length, or rekey-interval before "
        "READY)";
  else if (self->rekey_phase != REKEY_IDLE)
    why = "a re-key is under way";
  else if (dh && (!self->srtp_ready || self->udp == NULL))
    why = "the first key exchange is not done";
  /* in dh modes the exchange makes the key */
  else if (!dh && gnutls_rnd (GNUTLS_RND_KEY, self->other_master,
          mky_srtp_policy_master_len (&self->policy)) < 0)
    why = "gnutls_rnd failed";
  if (why) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "no re-key: %s", why);
    return FALSE;
  }
  /* the next MKI: the current one plus one (big-endian, wrapping) */
  mki_len = self->mki_len;
  memcpy (self->other_mki, self->mki, mki_len);
  for (gsize i = mki_len; i-- > 0;)
    if (++self->other_mki[i] != 0)
      break;
  memcpy (mki, self->other_mki, mki_len);
  if (dh) {
    /* the exchange agrees the next key under that MKI and distributes it
     * (dh_rekey_done) */
    self->rekey_phase = REKEY_EXCHANGING;
    mikey_udp_invoke (self->udp, dh_rekey_start, self);
  } else {
    self->rekey_phase = REKEY_DISTRIBUTED;
    arm_timer (self, &self->step_timer, self->rekey_lead, switch_timer);
  }
  if (self->rekey_interval > 0)
    arm_timer (self, &self->interval_timer,
        self->rekey_interval * (guint64) 1000, interval_timer);
  GST_OBJECT_UNLOCK (self);

  if (dh)
    return TRUE;
  rekey_announce (self);
  post_rekey (self, mki, mki_len, "distributed");
  return TRUE;
}

static gboolean
interval_timer (GstClock *clock, GstClockTime t, GstClockID id,
    gpointer data)
{
  GstMikeyEnc *self = data;
  gboolean current;

  GST_OBJECT_LOCK (self);
  current = timer_current (&self->interval_timer, id);
  GST_OBJECT_UNLOCK (self);
  /* one that cannot start now (a dh modes' exchange still under way, the
   * first one not done) is tried again at the next interval */
  if (current && !gst_mikey_enc_rekey (self)) {
    GST_OBJECT_LOCK (self);
    if (self->rekey_interval > 0 && self->interval_timer == NULL)
      arm_timer (self, &self->interval_timer,
          self->rekey_interval * (guint64) 1000, interval_timer);
    GST_OBJECT_UNLOCK (self);
  }
  return TRUE;
}

/* srtpenc's key is near its end (libsrtp's soft limit): a re-key soon, not
 * from srtpenc's streaming thread, which holds its lock */
static void
on_soft_limit (GstElement *srtpenc, GstMikeyEnc *self)
{
  GST_INFO_OBJECT (self, "srtpenc reached the soft limit of its key");
  GST_OBJECT_LOCK (self);
  if (self->rekey_phase == REKEY_IDLE)
    arm_timer (self, &self->interval_timer, 0, interval_timer);
  GST_OBJECT_UNLOCK (self);
}

/* The group key server (rsa-r-group) */

/* The identity an I_MESSAGE claims (its IDi, the first ID payload), for
 * telling who was refused; NULL if it has none or does not parse */
static gchar *
claimed_identity (GBytes *request)
{
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (request, NULL);
  const MkyPayload *id = msg ? mky_message_find (msg, MKY_PT_ID, 0) : NULL;

  if (id == NULL || id->u.id.data.len == 0)
    return NULL;
  return g_utf8_make_valid ((const gchar *) id->u.id.data.data,
      id->u.id.data.len);
}

/* Not a request at all: framing, or another message type */
static gboolean
is_malformed (const GError *error)
{
  return error->domain == MKY_ERROR && (error->code <= MKY_ERROR_TOO_LONG
      || error->code == MKY_ERROR_BAD_DATA_TYPE);
}

/* Ignored without a refusal (RFC 3830 §5.3): old, future or replayed */
static gboolean
is_dropped (const GError *error)
{
  return error->domain == MKY_ERROR && (error->code == MKY_ERROR_REPLAY
      || error->code == MKY_ERROR_TS_STALE
      || error->code == MKY_ERROR_TS_FUTURE);
}

static void
post_member (GstMikeyEnc *self, const gchar *name, const gchar *identity,
    const gchar *address, const gchar *reason)
{
  GstStructure *s = gst_structure_new (name, "address", G_TYPE_STRING,
      address, NULL);

  if (identity)
    gst_structure_set (s, "identity", G_TYPE_STRING, identity, NULL);
  if (reason)
    gst_structure_set (s, "reason", G_TYPE_STRING, reason, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* The group's bundle as it is now, for the next answer: made afresh, as
 * SSRCs and ROCs move on. In unicast (rsa-r) the same keys and streams
 * go to each receiver in its own bundle: srtpenc has one key. */
static gboolean
update_group (GstMikeyEnc *self, GError **error)
{
  g_autoptr (GHashTable) rocs = current_rocs (self);
  g_autoptr (MkyCsb) group = NULL;
  gboolean unicast;

  GST_OBJECT_LOCK (self);
  unicast = self->mode == GST_MIKEY_MODE_RSA_R;
  group = mky_rsa_r_group_new (self->csb_id, MKY_PRF_MIKEY_1);
  mky_bytes_set (&group->rand, self->group_rand, sizeof self->group_rand);
  fill_bundle (self, group, rocs, TRUE);
  GST_OBJECT_UNLOCK (self);
  if (unicast)
    return mky_rsa_r_responder_set_unicast_keys (self->responder, group,
        error);
  return mky_rsa_r_responder_set_group (self->responder, group, error);
}

/* A datagram on the key server's port (UDP thread) */
static void
server_datagram (MikeyUdp *udp, GBytes *datagram, GSocketAddress *from,
    gpointer user_data)
{
  GstMikeyEnc *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyPeer) member = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  g_autofree gchar *address = mikey_address_to_string (from);
  gboolean warn = FALSE;

  if (!update_group (self, &error)) {
    GST_WARNING_OBJECT (self, "group bundle: %s", error->message);
    return;
  }
  csb = mky_rsa_r_responder_handle (self->responder, datagram,
      g_get_real_time (), &reply, &member, &error);
  if (csb) {
    const gchar *identity = mky_peer_get_identity (member);
    /* members re-join to follow re-keys (mikeydec rejoin-interval): one
     * message per member, not one per re-join */
    gboolean again = !g_hash_table_add (self->member_ids,
        g_strdup (identity));
    GST_INFO_OBJECT (self, "member %s at %s %sjoined", identity, address,
        again ? "re-" : "");
    GST_OBJECT_LOCK (self);
    if (again)
      self->members_rejoined++;
    else
      self->members_joined++;
    GST_OBJECT_UNLOCK (self);
    if (!again)
      post_member (self, "mikey-member-joined", identity, address, NULL);
  } else if (is_dropped (error)) {
    /* a member that lost our answer gets it again (reply set) */
    GST_DEBUG_OBJECT (self, "request from %s %s: %s", address,
        reply ? "answered again" : "dropped", error->message);
    GST_OBJECT_LOCK (self);
    if (reply)
      self->requests_repeated++;
    else
      self->requests_dropped++;
    GST_OBJECT_UNLOCK (self);
  } else if (is_malformed (error)) {
    gint64 now = g_get_monotonic_time ();
    GST_DEBUG_OBJECT (self, "malformed datagram from %s: %s", address,
        error->message);
    GST_OBJECT_LOCK (self);
    self->datagrams_malformed++;
    if (self->malformed_warned == 0
        || now - self->malformed_warned >= MALFORMED_WARNING_INTERVAL) {
      self->malformed_warned = now;
      warn = TRUE;
    }
    GST_OBJECT_UNLOCK (self);
    if (warn)
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          (_("Received a datagram that is no MIKEY request.")),
          ("from %s: %s (warned at most every %u s)", address, error->message,
              (guint) (MALFORMED_WARNING_INTERVAL / G_USEC_PER_SEC)));
  } else if (reply == NULL) {
    /* the same refused request again (the member retransmits): refused
     * from the library's memory without an answer, already posted */
    GST_DEBUG_OBJECT (self, "request from %s refused again: %s", address,
        error->message);
  } else {
    g_autofree gchar *identity = claimed_identity (datagram);
    GST_INFO_OBJECT (self, "member %s at %s refused: %s",
        GST_STR_NULL (identity), address, error->message);
    GST_OBJECT_LOCK (self);
    self->members_refused++;
    GST_OBJECT_UNLOCK (self);
    post_member (self, "mikey-member-refused", identity, address,
        error->message);
  }
  /* the answer, or the Error message RFC 4738 §3.5 asks for, to the
   * requester's address; after the counting, so that a member that got it
   * finds itself counted */
  if (reply)
    mikey_udp_send (udp, reply, from);
}

static gboolean
start_server (GstMikeyEnc *self)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) allowed = NULL;
  g_autofree gchar *address = NULL;
  MkyConfig cfg;
  guint port;

  GST_OBJECT_LOCK (self);
  port = self->port;
  address = g_strdup (self->address);
  allowed = g_strdupv (self->allowed);
  GST_OBJECT_UNLOCK (self);

  mky_config_init (&cfg);
  if (!mikey_pki_load (GST_ELEMENT (self), &self->pki,
          (const gchar * const *) allowed, TRUE, &cfg)) {
    mky_config_clear (&cfg);
    return FALSE;
  }
  self->responder = mky_rsa_r_responder_new (&cfg, g_get_real_time (), FALSE);
  mky_config_clear (&cfg);
  /* unicast: an answer names srtpenc's policy, the only one we accept */
  GST_OBJECT_LOCK (self);
  if (self->mode == GST_MIKEY_MODE_RSA_R)
    mky_rsa_r_responder_add_policy (self->responder, &self->policy);
  GST_OBJECT_UNLOCK (self);
  gnutls_rnd (GNUTLS_RND_NONCE, self->group_rand, sizeof self->group_rand);
  if (!update_group (self, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Unsupported SRTP policy.")), ("group bundle: %s",
            error->message));
    return FALSE;
  }
  if (port == 0) {
    GST_INFO_OBJECT (self, "port 0: no built-in key server");
    return TRUE;
  }
  self->udp = mikey_udp_new (GST_ELEMENT (self), address,
      G_SOCKET_FAMILY_IPV4, port, server_datagram, self, &error);
  if (self->udp == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Could not open the MIKEY key server's UDP port.")),
        ("%s:%u: %s", address, port, error->message));
    return FALSE;
  }
  mikey_udp_start (self->udp, NULL, NULL);
  GST_INFO_OBJECT (self, "group key server on %s:%u", address, port);
  return TRUE;
}

static void
stop_server (GstMikeyEnc *self)
{
  g_clear_pointer (&self->udp, mikey_udp_free);
  g_hash_table_remove_all (self->member_ids);
  g_clear_pointer (&self->responder, mky_rsa_r_responder_free);
}

/* PK mode: the Initiator, with our credentials to sign and the
 * receiver's certificate (verified with ca-file) to encrypt to */
static gboolean
start_pk (GstMikeyEnc *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyPeer) peer = NULL;
  g_autofree gchar *peer_file = NULL;
  MkyPkInitiator *pk;
  MkyConfig cfg;

  GST_OBJECT_LOCK (self);
  peer_file = g_strdup (self->peer_certificate);
  GST_OBJECT_UNLOCK (self);
  mikey_config_init (&cfg, GST_MIKEY_MODE_PK, NULL, FALSE);
  if (!mikey_pki_load (GST_ELEMENT (self), &self->pki, NULL, FALSE, &cfg)
      || !(peer = mikey_peer_load (GST_ELEMENT (self), peer_file,
              cfg.trust))) {
    mky_config_clear (&cfg);
    return FALSE;
  }
  pk = mky_pk_initiator_new (&cfg, peer, &error);
  mky_config_clear (&cfg);
  if (pk == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Could not make a MIKEY request.")), ("%s", error->message));
    return FALSE;
  }
  /* CHASH names the receiver's certificate: a receiver with another one
   * refuses the message as not for it (Invalid Cert), not as a bad MAC */
  mky_pk_initiator_set_chash (pk, TRUE, MKY_HASH_SHA_256);
  GST_OBJECT_LOCK (self);
  self->pk = pk;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "PK mode, messages for %s",
      mky_peer_get_identity (peer));
  return TRUE;
}

static void
stop_pk (GstMikeyEnc *self)
{
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->pk, mky_pk_initiator_free);
  GST_OBJECT_UNLOCK (self);
}

/* The Diffie-Hellman exchanges (dh, dhhmac): we are the Initiator. The
 * I_MESSAGE goes to the peer from READY on, again until it is answered;
 * the TEK and salt of crypto session 1 then become srtpenc's key. Until
 * then the RTP packets wait before srtpenc (a probe on its sink pad), as
 * anything it encrypted with the stand-in key would be useless. */

/* srtpenc's rtp_sink_N: the pad linked inside it to the rtp_src_N we
 * follow */
static GstPad *
srtpenc_rtp_sink (GstMikeyEnc *self)
{
  GstPad *peer = gst_pad_get_peer (self->rtp_sink);
  GstPad *sink = NULL;
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  if (peer == NULL)
    return NULL;
  it = gst_pad_iterate_internal_links (peer);
  if (it && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    sink = g_value_dup_object (&v);
    g_value_unset (&v);
  }
  if (it)
    gst_iterator_free (it);
  gst_object_unref (peer);
  return sink;
}

/* Before srtpenc: hold (up to max-pending) or drop the packets while it
 * has no key from the exchange, and the serialized events behind held
 * packets (an EOS must not overtake them: a short file would end before
 * its packets went out). Runs under the pad's stream lock, which
 * dh_key_srtpenc() takes to key srtpenc and release them in order. */
static GstPadProbeReturn
hold_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstMikeyEnc *self = user_data;
  GstBufferList *list = NULL;
  guint n;

  GST_OBJECT_LOCK (self);
  if (self->srtp_ready) {
    GST_OBJECT_UNLOCK (self);
    return GST_PAD_PROBE_OK;
  }
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (self->held.length == 0 || !GST_EVENT_IS_SERIALIZED (event)) {
      GST_OBJECT_UNLOCK (self);
      return GST_PAD_PROBE_OK;
    }
    g_queue_push_tail (&self->held, event);
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "%s held behind the packets",
        GST_EVENT_TYPE_NAME (event));
    return GST_PAD_PROBE_HANDLED;
  }
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  n = list ? gst_buffer_list_length (list) : 1;
  for (guint i = 0; i < n; i++) {
    GstBuffer *b = list ? gst_buffer_list_get (list, i) :
        GST_PAD_PROBE_INFO_BUFFER (info);
    if (self->held.length < self->max_pending) {
      g_queue_push_tail (&self->held, gst_buffer_ref (b));
      self->packets_held++;
    } else {
      self->packets_dropped++;
    }
  }
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self, "no key from the exchange yet: %u packet(s) %s", n,
      self->max_pending ? "held or dropped" : "dropped");
  return GST_PAD_PROBE_DROP;
}

/* The master key (key || salt) of @mk into @master (MAX_MASTER_LEN
 * bytes): its length, 0 when it does not fit */
static gsize
dh_master (const MkySrtpMasterKey *mk, guint8 *master)
{
  if (mk->key_len + mk->salt_len > MAX_MASTER_LEN)
    return 0;
  memcpy (master, mk->key, mk->key_len);
  memcpy (master + mk->key_len, mk->salt, mk->salt_len);
  return mk->key_len + mk->salt_len;
}

/* The exchange's keying @k: srtpenc's key (and the MKI agreed in DHi)
 * from now on, and the packets held go through it (UDP thread) */
static void
dh_key_srtpenc (GstMikeyEnc *self, const MkySrtpKeying *k)
{
  const MkySrtpMasterKey *mk = &k->keys[0];
  GstElement *srtpenc;
  GstPad *pad = NULL;
  GstBuffer *kb, *mb = NULL;
  gsize master_len;
  GQueue held = G_QUEUE_INIT;
  GstMiniObject *item;
  GstFlowReturn ret = GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  if (self->srtpenc == NULL
      || (master_len = dh_master (mk, self->master)) == 0) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  memcpy (self->mki, mk->mki, mk->mki_len);
  self->mki_len = mk->mki_len;
  kb = gst_buffer_new_memdup (self->master, master_len);
  if (mk->mki_len)
    mb = gst_buffer_new_memdup (mk->mki, mk->mki_len);
  srtpenc = gst_object_ref (self->srtpenc);
  if (self->hold_pad)
    pad = gst_object_ref (self->hold_pad);
  GST_OBJECT_UNLOCK (self);

  /* no packet passes the probe meanwhile: the held ones go first */
  if (pad)
    GST_PAD_STREAM_LOCK (pad);
  g_object_set (srtpenc, "key", kb, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (srtpenc), "mki"))
    g_object_set (srtpenc, "mki", mb, NULL);
  GST_OBJECT_LOCK (self);
  self->srtp_ready = TRUE;
  held = self->held;
  g_queue_init (&self->held);
  GST_OBJECT_UNLOCK (self);
  while ((item = g_queue_pop_head (&held))) {
    if (GST_IS_EVENT (item) && pad)
      gst_pad_send_event (pad, GST_EVENT_CAST (item));
    else if (pad && ret == GST_FLOW_OK)
      ret = gst_pad_chain (pad, GST_BUFFER_CAST (item));
    else
      gst_mini_object_unref (item);
  }
  if (pad) {
    GST_PAD_STREAM_UNLOCK (pad);
    gst_object_unref (pad);
  }
  gst_buffer_unref (kb);
  gst_clear_buffer (&mb);
  gst_object_unref (srtpenc);
}

static void dh_arm_timer (GstMikeyEnc *self, guint ms);

static void
set_exchange_state (GstMikeyEnc *self, const gchar *state)
{
  GST_OBJECT_LOCK (self);
  self->exchange_state = state;
  GST_OBJECT_UNLOCK (self);
}

/* Our bundle as the first I_MESSAGE describes it: one crypto session of
 * SSRC 0 (RFC 3830 §6.1.1), since srtpenc protects every SSRC with one
 * key, CS 1's; srtpenc's policy */
static MkyCsb *
dh_bundle_new (GstMikeyEnc *self)
{
  MkyCsb *csb;

  GST_OBJECT_LOCK (self);
  csb = mky_csb_new (self->csb_id);
  mky_csb_add_cs (csb, 0, 0, 0);
  mky_csb_set_policy (csb, 0, &self->policy, FALSE);
  GST_OBJECT_UNLOCK (self);
  return csb;
}

/* An I_MESSAGE of the present time, new DHi, in place of the last one.
 * Until an exchange is done, a new initial message (a new RAND) in a
 * fresh bundle: the Responder may never have taken an earlier one (it
 * drops an update of a bundle it does not know), and libmky makes an
 * initial message only for a bundle without a RAND. After one, an update
 * of the bundle (RFC 3830 §4.5: same CSB ID, no RAND). */
static gboolean
dh_new_request (GstMikeyEnc *self, GError **error)
{
  GBytes *req;

  if (self->dh_csb->keys->len == 0 && self->dh_csb->rand.len) {
    MkyCsb *fresh = dh_bundle_new (self);
    /* our timestamps go on rising */
    fresh->t = self->dh_csb->t;
    mky_csb_unref (self->dh_csb);
    self->dh_csb = fresh;
  }
  req = mky_dh_initiator_build (self->dh, self->dh_csb, TRUE, NULL,
      g_get_real_time (), error);
  if (req == NULL)
    return FALSE;
  g_clear_pointer (&self->dh_request, g_bytes_unref);
  self->dh_request = req;
  self->dh_sends = 0;
  return TRUE;
}

static void
dh_send_request (GstMikeyEnc *self)
{
  mikey_udp_send (self->udp, self->dh_request, self->peer_addr);
  self->dh_sends++;
  GST_OBJECT_LOCK (self);
  self->requests_sent++;
  GST_OBJECT_UNLOCK (self);
}

/* On the UDP thread */
static void
dh_cancel_timer (GstMikeyEnc *self)
{
  if (self->dh_timer) {
    g_source_destroy (self->dh_timer);
    g_clear_pointer (&self->dh_timer, g_source_unref);
  }
}

/* A re-key's exchange ended without a key (UDP thread): srtpenc keeps the
 * one it has, which the receiver keeps too (beside a key it may have
 * taken from an update whose answer we lost); the next re-key tries
 * again. The caller posts the warning. */
static void
dh_rekey_failed (GstMikeyEnc *self)
{
  self->dh_done = TRUE;
  dh_cancel_timer (self);
  GST_OBJECT_LOCK (self);
  if (self->rekey_phase == REKEY_EXCHANGING)
    self->rekey_phase = REKEY_IDLE;
  self->rekeys_failed++;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
dh_timer (gpointer user_data)
{
  GstMikeyEnc *self = user_data;

  g_clear_pointer (&self->dh_timer, g_source_unref);
  if (self->dh_done)
    return G_SOURCE_REMOVE;
  if (self->dh_refusal && self->dh_update) {
    /* the media goes on under the current key: a warning */
    dh_rekey_failed (self);
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
        (_("The key exchange of a re-key failed authentication; the "
                "current key stays in use.")), ("%s: %s", self->dh_peer,
            self->dh_refusal));
    return G_SOURCE_REMOVE;
  }
  if (self->dh_update && g_get_monotonic_time () >= self->dh_deadline) {
    guint timeout;
    GST_OBJECT_LOCK (self);
    timeout = self->rekey_timeout;
    GST_OBJECT_UNLOCK (self);
    dh_rekey_failed (self);
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        (_("The MIKEY receiver did not answer the key exchange of a "
                "re-key; the current key stays in use.")),
        ("no answer from %s in %u ms (rekey-timeout)", self->dh_peer,
            timeout));
    return G_SOURCE_REMOVE;
  }
  if (self->dh_refusal) {
    /* no answer that authenticates came meanwhile */
    self->dh_done = TRUE;
    set_exchange_state (self, "refused");
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        (_("The MIKEY key exchange with the receiver failed "
                "authentication.")), ("%s: %s", self->dh_peer,
            self->dh_refusal));
    return G_SOURCE_REMOVE;
  }
  /* the same bytes: a receiver that answered already answers again, but
   * only a few times: past that, a new request */
  GST_DEBUG_OBJECT (self, "no answer in %u ms: sending again", self->dh_wait);
  if (self->dh_sends > MIKEY_ANSWER_REPEATS) {
    g_autoptr (GError) error = NULL;
    if (!dh_new_request (self, &error))
      GST_WARNING_OBJECT (self, "no new request: %s", error->message);
  }
  dh_send_request (self);
  self->dh_wait = MIN (self->dh_wait * 2, DH_RETRANSMIT_MAX);
  dh_arm_timer (self, self->dh_wait);
  return G_SOURCE_REMOVE;
}

/* On the UDP thread; a re-key's exchange not past its deadline, but not
 * short of it either (rounded up: a timer due a fraction of a millisecond
 * early would send again at once) */
static void
dh_arm_timer (GstMikeyEnc *self, guint ms)
{
  dh_cancel_timer (self);
  if (self->dh_update) {
    gint64 left = (self->dh_deadline - g_get_monotonic_time () + 999) / 1000;
    ms = (guint) CLAMP (left, 0, (gint64) ms);
  }
  self->dh_timer = mikey_udp_add_timeout (self->udp, ms, dh_timer, self);
}

static gboolean
dh_first (gpointer user_data)
{
  GstMikeyEnc *self = user_data;

  GST_DEBUG_OBJECT (self, "DH exchange with %s", self->dh_peer);
  dh_send_request (self);
  dh_arm_timer (self, self->dh_wait);
  return G_SOURCE_REMOVE;
}

/* A re-key's exchange (UDP thread): an update of our bundle (RFC 3830
 * §4.5 and RFC 4650 §3.1: the same CSB ID, a new timestamp, no RAND, a new
 * DHi) whose DHi carries the next MKI as its SPI (§6.4), sent again like
 * the first request until answered or rekey-timeout has passed */
static gboolean
dh_rekey_start (gpointer user_data)
{
  GstMikeyEnc *self = user_data;
  g_autoptr (GError) error = NULL;
  guint8 mki[MAX_MKI_LENGTH];
  gsize mki_len;
  guint timeout;

  GST_OBJECT_LOCK (self);
  mki_len = self->mki_len;
  memcpy (mki, self->other_mki, mki_len);
  timeout = self->rekey_timeout;
  GST_OBJECT_UNLOCK (self);
  self->dh_update = TRUE;
  self->dh_done = FALSE;
  g_clear_pointer (&self->dh_refusal, g_free);
  self->dh_wait = DH_RETRANSMIT_FIRST;
  self->dh_deadline = g_get_monotonic_time () + timeout * (gint64) 1000;
  mky_dh_initiator_set_spi (self->dh, mki, mki_len);
  if (!dh_new_request (self, &error)) {
    dh_rekey_failed (self);
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        (_("Could not make a MIKEY request.")), ("re-key: %s; the current "
            "key stays in use", error->message));
    return G_SOURCE_REMOVE;
  }
  GST_INFO_OBJECT (self, "re-key: a new exchange with %s", self->dh_peer);
  return dh_first (self);
}

/* A re-key's exchange is done (UDP thread): the receiver took the new key
 * (beside the one in use, by MKI) before it answered, so it is
 * distributed; srtpenc switches to it rekey-lead later and the old one is
 * retired another rekey-lead later, as in the other modes */
static void
dh_rekey_done (GstMikeyEnc *self, const gchar *address)
{
  g_autoptr (GError) error = NULL;
  MkySrtpKeying k;
  guint8 mki[MAX_MKI_LENGTH];
  gsize mki_len;
  gboolean got, ok;

  /* the new key is the bundle's first (the one in use the second) */
  got = ok = mky_csb_get_srtp (self->dh_csb, 0, MKY_SP_COMPAT_STRICT, &k,
      &error);
  GST_OBJECT_LOCK (self);
  if (ok && (self->rekey_phase != REKEY_EXCHANGING
          || dh_master (&k.keys[0], self->other_master) == 0)) {
    ok = FALSE;
    g_set_error (&error, MKY_ERROR, MKY_ERROR_STATE, "%s",
        self->rekey_phase != REKEY_EXCHANGING ? "no re-key waits for it" :
        "master key too long");
  }
  if (ok) {
    mki_len = self->mki_len;
    memcpy (mki, self->other_mki, mki_len);
    self->rekey_phase = REKEY_DISTRIBUTED;
    arm_timer (self, &self->step_timer, self->rekey_lead, switch_timer);
  }
  GST_OBJECT_UNLOCK (self);
  if (got)
    mky_srtp_keying_clear (&k);
  if (!ok) {
    dh_rekey_failed (self);
    GST_ELEMENT_WARNING (self, STREAM, ENCODE,
        (_("Could not use the keys of the MIKEY key exchange.")),
        ("re-key with %s: %s; the current key stays in use", address,
            error->message));
    return;
  }
  GST_INFO_OBJECT (self, "re-key: keys agreed with %s", address);
  post_rekey (self, mki, mki_len, "distributed");
}

/* The answer (UDP thread) */
static void
peer_datagram (MikeyUdp *udp, GBytes *datagram, GSocketAddress *from,
    gpointer user_data)
{
  GstMikeyEnc *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *address = mikey_address_to_string (from);
  MkyPeer *responder;
  GstStructure *s;
  MkySrtpKeying k;

  if (self->dh_done)
    return;
  if (!mky_dh_initiator_handle_response (self->dh, self->dh_csb, datagram,
          g_get_real_time (), &error)) {
    if ((g_error_matches (error, MKY_ERROR, MKY_ERROR_PEER_ERROR)
            || mikey_error_is_auth (error)) && self->dh_refusal == NULL) {
      /* maybe not the receiver's (an Error message is not signed in DH
       * mode): a real answer may still come while the current interval
       * runs, after which it fails */
      GST_INFO_OBJECT (self, "%s: %s", address, error->message);
      self->dh_refusal = g_strdup (error->message);
      dh_arm_timer (self, MIN (self->dh_wait, DH_RETRANSMIT_FIRST));
    } else {
      GST_DEBUG_OBJECT (self, "answer from %s discarded: %s", address,
          error->message);
    }
    return;
  }
  self->dh_done = TRUE;
  dh_cancel_timer (self);
  if (self->dh_update) {
    dh_rekey_done (self, address);
    return;
  }
  /* CS 1's TEK and salt: srtpenc has one key for every SSRC */
  if (!mky_csb_get_srtp (self->dh_csb, 0, MKY_SP_COMPAT_STRICT, &k, &error)) {
    set_exchange_state (self, "failed");
    GST_ELEMENT_ERROR (self, STREAM, ENCODE,
        (_("Could not use the keys of the MIKEY key exchange.")),
        ("%s: %s", address, error->message));
    return;
  }
  dh_key_srtpenc (self, &k);
  mky_srtp_keying_clear (&k);
  set_exchange_state (self, "done");
  responder = mky_dh_initiator_get_peer (self->dh, self->dh_csb->csb_id);
  GST_INFO_OBJECT (self, "keys agreed with %s at %s (CSB ID %08x)",
      responder ? mky_peer_get_identity (responder) : "the PSK holder",
      address, self->dh_csb->csb_id);
  s = gst_structure_new ("mikey-exchange-done", "peer-address",
      G_TYPE_STRING, address, "csb-id", G_TYPE_UINT, self->dh_csb->csb_id,
      NULL);
  if (responder)
    gst_structure_set (s, "peer-identity", G_TYPE_STRING,
        mky_peer_get_identity (responder), NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static gboolean
start_dh (GstMikeyEnc *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *peer_identity = NULL;
  GstMikeyMode mode;
  GBytes *psk;
  MkyConfig cfg;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  psk = self->psk ? g_bytes_ref (self->psk) : NULL;
  g_free (self->dh_refusal);
  self->dh_refusal = NULL;
  self->dh_done = FALSE;
  self->dh_update = FALSE;
  self->dh_wait = DH_RETRANSMIT_FIRST;
  self->exchange_state = "exchanging";
  self->requests_sent = 0;
  peer_identity = g_strdup (self->peer_identity);
  g_free (self->dh_peer);
  /* the UDP thread's copy: peer may change in READY */
  self->dh_peer = g_strdup (self->peer);
  GST_OBJECT_UNLOCK (self);

  if (self->dh_peer == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("No MIKEY receiver set for the key exchange.")),
        ("dh and dhhmac mode need the peer property (host:port)"));
    goto fail;
  }
  if (mode == GST_MIKEY_MODE_DHHMAC && psk == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("No pre-shared key set for MIKEY.")),
        ("mode=dhhmac needs the psk property"));
    goto fail;
  }
  if (mode == GST_MIKEY_MODE_DHHMAC && peer_identity == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("The receiver's MIKEY identity is needed for DH-HMAC.")),
        ("RFC 4650 §3: IDr SHALL be sent; set peer-identity to the "
            "identity of the receiving mikeydec"));
    goto fail;
  }
  self->peer_addr = mikey_resolve_address (self->dh_peer, MIKEY_UDP_PORT,
      &error);
  if (self->peer_addr == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        (_("Could not find the MIKEY receiver.")),
        ("%s: %s", self->dh_peer, error->message));
    goto fail;
  }
  mikey_config_init (&cfg, mode, psk, FALSE);
  cfg.dh_group = (MkyDhGroup) self->dh_group;
  if (mode == GST_MIKEY_MODE_DH) {
    if (!mikey_pki_load (GST_ELEMENT (self), &self->pki, NULL, FALSE,
            &cfg)) {
      mky_config_clear (&cfg);
      goto fail;
    }
  } else {
    GST_OBJECT_LOCK (self);
    cfg.id_i = g_strdup (self->pki.identity);
    GST_OBJECT_UNLOCK (self);
  }
  /* dh: when set, the receiver's certificate must name it */
  cfg.id_r = g_steal_pointer (&peer_identity);
  self->dh = mky_dh_initiator_new (&cfg, mode == GST_MIKEY_MODE_DH ?
      MKY_DH_MODE_SIGN : MKY_DH_MODE_HMAC);
  mky_config_clear (&cfg);
  /* The MKI, when the key has one, is agreed in the exchange: our DHi's
   * key validity (RFC 3830 §6.4: KV SPI, "alternatively an MKI in SRTP"),
   * which the receiver echoes and gives the TGK, and so the SRTP master
   * key, both sides. DH mode has no KEMAC to carry a Key data KV as the
   * other modes do, and an implicit rule (the CS ID, the last MKI plus
   * one) would be ours alone; this one any RFC 3830 Responder that keeps
   * DHi's KV follows, and every re-key names its MKI the same way. */
  GST_OBJECT_LOCK (self);
  mky_dh_initiator_set_spi (self->dh, self->mki, self->mki_len);
  GST_OBJECT_UNLOCK (self);

  self->dh_csb = dh_bundle_new (self);
  if (!dh_new_request (self, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Could not make a MIKEY request.")), ("%s", error->message));
    goto fail;
  }

  self->hold_pad = srtpenc_rtp_sink (self);
  if (self->hold_pad)
    self->hold_probe = gst_pad_add_probe (self->hold_pad,
        GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST
        | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, hold_probe, self, NULL);
  else
    GST_WARNING_OBJECT (self, "srtpenc's rtp_sink not found: packets before "
        "the exchange are dropped after srtpenc");

  self->udp = mikey_udp_new (GST_ELEMENT (self), NULL,
      g_socket_address_get_family (self->peer_addr), 0, peer_datagram, self,
      &error);
  if (self->udp == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Could not open a UDP socket for MIKEY.")), ("%s",
            error->message));
    goto fail;
  }
  mikey_udp_start (self->udp, dh_first, self);
  g_clear_pointer (&psk, g_bytes_unref);
  return TRUE;

fail:
  g_clear_pointer (&psk, g_bytes_unref);
  return FALSE;
}

static void
stop_dh (GstMikeyEnc *self)
{
  MikeyUdp *udp = NULL;

  if (self->udp && self->dh)
    mikey_udp_stop (self->udp);
  dh_cancel_timer (self);
  /* under the lock: a re-key (any thread) hands its exchange to the
   * thread through it */
  GST_OBJECT_LOCK (self);
  if (self->dh)
    udp = g_steal_pointer (&self->udp);
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&udp, mikey_udp_free);
  if (self->hold_pad) {
    gst_pad_remove_probe (self->hold_pad, self->hold_probe);
    self->hold_probe = 0;
    gst_clear_object (&self->hold_pad);
  }
  GST_OBJECT_LOCK (self);
  g_queue_clear_full (&self->held, (GDestroyNotify) gst_mini_object_unref);
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->dh, mky_dh_initiator_free);
  g_clear_pointer (&self->dh_csb, mky_csb_unref);
  g_clear_pointer (&self->dh_request, g_bytes_unref);
  g_clear_object (&self->peer_addr);
  g_clear_pointer (&self->dh_refusal, g_free);
  g_clear_pointer (&self->dh_peer, g_free);
}

static GstStateChangeReturn
gst_mikey_enc_change_state (GstElement *element, GstStateChange transition)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    gboolean no_psk, group, pk, dh;
    GST_OBJECT_LOCK (self);
    no_psk = self->mode == GST_MIKEY_MODE_PSK && self->psk == NULL;
    group = MIKEY_MODE_IS_RSA_R (self->mode);
    pk = self->mode == GST_MIKEY_MODE_PK;
    dh = MIKEY_MODE_IS_DH (self->mode);
    GST_OBJECT_UNLOCK (self);
    if (no_psk) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          (_("No pre-shared key set for MIKEY.")),
          ("mode=psk needs the psk property"));
      return GST_STATE_CHANGE_FAILURE;
    }
    if (!provision (self))
      return GST_STATE_CHANGE_FAILURE;
    if ((group && !start_server (self)) || (pk && !start_pk (self))
        || (dh && !start_dh (self))) {
      stop_dh (self);
      stop_server (self);
      forget_key (self);
      return GST_STATE_CHANGE_FAILURE;
    }
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      GST_OBJECT_LOCK (self);
      if (self->rekey_interval > 0)
        arm_timer (self, &self->interval_timer,
            self->rekey_interval * (guint64) 1000, interval_timer);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      GST_OBJECT_LOCK (self);
      clear_timer (&self->interval_timer);
      g_array_set_size (self->ssrcs, 0);
      self->last_ssrc_valid = FALSE;
      g_atomic_int_set (&self->announce, FALSE);
      g_clear_pointer (&self->message, g_bytes_unref);
      gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
      self->in_band_seq = 0;
      self->in_band_time = GST_CLOCK_TIME_NONE;
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      stop_dh (self);
      stop_server (self);
      stop_pk (self);
      forget_key (self);
      break;
    default:
      break;
  }
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition == GST_STATE_CHANGE_NULL_TO_READY) {
    stop_dh (self);
    stop_server (self);
    stop_pk (self);
    forget_key (self);
  }
  return ret;
}

/* GObject */

static void
gst_mikey_enc_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_PSK:
      g_clear_pointer (&self->psk, mikey_secret_free);
      self->psk = mikey_bytes_from_buffer (gst_value_get_buffer (value));
      break;
    case PROP_SRTP_CIPHER:{
      MkySrtpCipher c;
      const char *nick = g_value_get_string (value);
      if (nick == NULL)
        nick = DEFAULT_SRTP_CIPHER;
      if (mky_srtp_cipher_from_nick (nick, &c)) {
        g_free (self->srtp_cipher);
        self->srtp_cipher = g_strdup (nick);
      } else {
        GST_WARNING_OBJECT (self, "unknown srtp-cipher '%s'", nick);
      }
      break;
    }
    case PROP_SRTP_AUTH:{
      MkySrtpAuth a;
      const char *nick = g_value_get_string (value);
      if (nick == NULL)
        nick = DEFAULT_SRTP_AUTH;
      if (mky_srtp_auth_from_nick (nick, &a)) {
        g_free (self->srtp_auth);
        self->srtp_auth = g_strdup (nick);
      } else {
        GST_WARNING_OBJECT (self, "unknown srtp-auth '%s'", nick);
      }
      break;
    }
    case PROP_MKI_LENGTH:
      self->mki_length = g_value_get_uint (value);
      break;
    case PROP_IN_BAND:
      self->in_band = g_value_get_boolean (value);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      self->announce_interval = g_value_get_uint (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_ADDRESS:
      g_free (self->address);
      self->address = g_value_dup_string (value);
      if (self->address == NULL)
        self->address = g_strdup (DEFAULT_ADDRESS);
      break;
    case PROP_ALLOWED_IDENTITIES:
      g_strfreev (self->allowed);
      self->allowed = mikey_strv_from_array (value);
      break;
    case PROP_REKEY_INTERVAL:
      self->rekey_interval = g_value_get_uint (value);
      /* from now on (the first re-key while PAUSED or PLAYING) */
      if (self->rekey_interval == 0)
        clear_timer (&self->interval_timer);
      else if (self->keyed && GST_STATE (self) >= GST_STATE_PAUSED)
        arm_timer (self, &self->interval_timer,
            self->rekey_interval * (guint64) 1000, interval_timer);
      break;
    case PROP_REKEY_LEAD:
      self->rekey_lead = g_value_get_uint (value);
      break;
    case PROP_PEER_CERTIFICATE:
      g_free (self->peer_certificate);
      self->peer_certificate = g_value_dup_string (value);
      break;
    case PROP_DH_GROUP:
      self->dh_group = g_value_get_enum (value);
      break;
    case PROP_PEER:
      g_free (self->peer);
      self->peer = g_value_dup_string (value);
      break;
    case PROP_PEER_IDENTITY:
      g_free (self->peer_identity);
      self->peer_identity = g_value_dup_string (value);
      break;
    case PROP_MAX_PENDING:
      self->max_pending = g_value_get_uint (value);
      break;
    case PROP_REKEY_TIMEOUT:
      self->rekey_timeout = g_value_get_uint (value);
      break;
    default:
      if (prop_id >= PROP_PKI_FIRST
          && prop_id < PROP_PKI_FIRST + MIKEY_PKI_N_PROPS)
        mikey_pki_set_property (&self->pki, prop_id - PROP_PKI_FIRST, value);
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mikey_enc_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_SRTP_CIPHER:
      g_value_set_string (value, self->srtp_cipher);
      break;
    case PROP_SRTP_AUTH:
      g_value_set_string (value, self->srtp_auth);
      break;
    case PROP_MKI_LENGTH:
      g_value_set_uint (value, self->mki_length);
      break;
    case PROP_IN_BAND:
      g_value_set_boolean (value, self->in_band);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      g_value_set_uint (value, self->announce_interval);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_ALLOWED_IDENTITIES:
      mikey_strv_to_array (self->allowed, value);
      break;
    case PROP_REKEY_INTERVAL:
      g_value_set_uint (value, self->rekey_interval);
      break;
    case PROP_REKEY_LEAD:
      g_value_set_uint (value, self->rekey_lead);
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_string (value, self->peer_certificate);
      break;
    case PROP_DH_GROUP:
      g_value_set_enum (value, self->dh_group);
      break;
    case PROP_PEER:
      g_value_set_string (value, self->peer);
      break;
    case PROP_PEER_IDENTITY:
      g_value_set_string (value, self->peer_identity);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, self->max_pending);
      break;
    case PROP_REKEY_TIMEOUT:
      g_value_set_uint (value, self->rekey_timeout);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_structure_new
          ("application/x-mikey-encoder-stats",
              "members-joined", G_TYPE_UINT64, self->members_joined,
              "members-rejoined", G_TYPE_UINT64, self->members_rejoined,
              "members-refused", G_TYPE_UINT64, self->members_refused,
              "requests-repeated", G_TYPE_UINT64, self->requests_repeated,
              "requests-dropped", G_TYPE_UINT64, self->requests_dropped,
              "datagrams-malformed", G_TYPE_UINT64,
              self->datagrams_malformed,
              "rekeys", G_TYPE_UINT64, self->rekeys,
              "rekeys-failed", G_TYPE_UINT64, self->rekeys_failed,
              "packets-held", G_TYPE_UINT64, self->packets_held,
              "packets-dropped", G_TYPE_UINT64, self->packets_dropped,
              "requests-sent", G_TYPE_UINT64, self->requests_sent,
              "exchange-state", G_TYPE_STRING, self->exchange_state, NULL));
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

static void
gst_mikey_enc_finalize (GObject *object)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (object);

  stop_dh (self);
  stop_server (self);
  stop_pk (self);
  forget_key (self);
  mikey_pki_clear (&self->pki);
  g_free (self->peer_certificate);
  g_free (self->peer);
  g_free (self->peer_identity);
  g_free (self->address);
  g_strfreev (self->allowed);
  g_clear_pointer (&self->psk, mikey_secret_free);
  g_free (self->srtp_cipher);
  g_free (self->srtp_auth);
  g_array_free (self->ssrcs, TRUE);
  g_hash_table_destroy (self->member_ids);
  g_clear_pointer (&self->message, g_bytes_unref);
  mikey_out_pad_clear (&self->out);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstPad *
add_pad (GstMikeyEnc *self, GstStaticPadTemplate *tmpl)
{
  GstPad *pad = gst_pad_new_from_static_template (tmpl, tmpl->name_template);

  if (tmpl->direction == GST_PAD_SINK) {
    gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (gst_mikey_enc_chain));
    gst_pad_set_chain_list_function (pad,
        GST_DEBUG_FUNCPTR (gst_mikey_enc_chain_list));
    gst_pad_set_event_function (pad,
        GST_DEBUG_FUNCPTR (gst_mikey_enc_sink_event));
    GST_PAD_SET_PROXY_ALLOCATION (pad);
  }
  GST_PAD_SET_PROXY_CAPS (pad);
  gst_pad_set_iterate_internal_links_function (pad,
      GST_DEBUG_FUNCPTR (gst_mikey_enc_iterate_internal_links));
  gst_element_add_pad (GST_ELEMENT (self), pad);
  return pad;
}

static void
gst_mikey_enc_init (GstMikeyEnc *self)
{
  self->rtp_sink = add_pad (self, &rtp_sink_template);
  self->rtp_src = add_pad (self, &rtp_src_template);
  self->rtcp_sink = add_pad (self, &rtcp_sink_template);
  self->rtcp_src = add_pad (self, &rtcp_src_template);
  mikey_out_pad_init (&self->out, GST_ELEMENT (self));

  self->mode = DEFAULT_MODE;
  self->srtp_cipher = g_strdup (DEFAULT_SRTP_CIPHER);
  self->srtp_auth = g_strdup (DEFAULT_SRTP_AUTH);
  self->mki_length = DEFAULT_MKI_LENGTH;
  self->in_band = DEFAULT_IN_BAND;
  self->announce_interval = DEFAULT_ANNOUNCE_INTERVAL;
  self->port = DEFAULT_PORT;
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->ssrcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->member_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
  self->in_band_time = GST_CLOCK_TIME_NONE;
  self->rekey_interval = DEFAULT_REKEY_INTERVAL;
  self->rekey_lead = DEFAULT_REKEY_LEAD;
  self->rekey_timeout = DEFAULT_REKEY_TIMEOUT;
  self->dh_group = DEFAULT_DH_GROUP;
  self->max_pending = DEFAULT_MAX_PENDING;
  g_queue_init (&self->held);
  self->exchange_state = "none";
}

static void
gst_mikey_enc_class_init (GstMikeyEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_mikey_enc_set_property;
  gobject_class->get_property = gst_mikey_enc_get_property;
  gobject_class->finalize = gst_mikey_enc_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mikey_enc_change_state);

  /**
   * GstMikeyEnc:mode:
   *
   * The MIKEY key transport method.
   *
   * Since: 0.1
   */
  properties[PROP_MODE] = g_param_spec_enum ("mode", "Mode",
      "MIKEY key transport method", GST_TYPE_MIKEY_MODE, DEFAULT_MODE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:psk:
   *
   * The pre-shared key (write-only).
   *
   * Since: 0.1
   */
  properties[PROP_PSK] = g_param_spec_boxed ("psk", "PSK",
      "Pre-shared key of MIKEY PSK mode (write-only)", GST_TYPE_BUFFER,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:srtp-cipher:
   *
   * The SRTP and SRTCP cipher set on srtpenc, by srtpenc's nick.
   *
   * Since: 0.1
   */
  properties[PROP_SRTP_CIPHER] = g_param_spec_string ("srtp-cipher",
      "SRTP cipher", "SRTP/SRTCP cipher set on srtpenc (aes-128-icm, "
      "aes-256-icm, aes-128-gcm, aes-256-gcm)", DEFAULT_SRTP_CIPHER,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:srtp-auth:
   *
   * The SRTP and SRTCP authentication set on srtpenc, by srtpenc's nick.
   *
   * Since: 0.1
   */
  properties[PROP_SRTP_AUTH] = g_param_spec_string ("srtp-auth",
      "SRTP auth", "SRTP/SRTCP authentication set on srtpenc (hmac-sha1-80, "
      "hmac-sha1-32, null with GCM)", DEFAULT_SRTP_AUTH,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:mki-length:
   *
   * Bytes of the MKI to draw with the key (0: none). A re-key needs MKIs
   * (receivers tell the two keys of the overlap apart by them): with
   * #GstMikeyEnc:rekey-interval set, in the rsa-r modes and with
   * #GstMikeyEnc:in-band, 0 means 1. Each re-key's MKI is the one before
   * plus one. In dh and dhhmac mode the exchanges agree each MKI (our
   * DHi's key validity).
   *
   * Since: 0.1
   */
  properties[PROP_MKI_LENGTH] = g_param_spec_uint ("mki-length",
      "MKI length", "Bytes of random MKI sent with every packet (0: none)",
      0, MAX_MKI_LENGTH, DEFAULT_MKI_LENGTH,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:in-band:
   *
   * Also send the current MIKEY message on `rtp_src`, among the SRTP
   * packets, for receivers that have no other channel (one-way broadcast).
   * mikeydec takes it out of the stream again.
   *
   * Since: 0.1
   */
  properties[PROP_IN_BAND] = g_param_spec_boolean ("in-band", "In band",
      "Send the MIKEY message among the SRTP packets on rtp_src",
      DEFAULT_IN_BAND,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:announce-interval:
   *
   * With #GstMikeyEnc:in-band, the milliseconds between two announcements
   * of an unchanged message, for receivers that join late. Measured in
   * running time of the RTP packets (their PTS, or DTS, in their segment):
   * packets without timestamps do not advance it. 0: only when the message
   * changes.
   *
   * Since: 0.1
   */
  properties[PROP_ANNOUNCE_INTERVAL] = g_param_spec_uint ("announce-interval",
      "Announce interval", "Milliseconds of running time between in-band "
      "repeats of the MIKEY message (0: only when it changes)", 0, G_MAXUINT,
      DEFAULT_ANNOUNCE_INTERVAL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstMikeyEnc:port:
   *
   * In rsa-r-group and rsa-r mode, the UDP port the group key server listens on
   * (2269: the IANA MIKEY port). 0: no built-in server.
   *
   * Since: 0.1
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", "Port",
      "UDP port of the rsa-r-group/rsa-r key server (0: none)", 0, G_MAXUINT16,
      DEFAULT_PORT,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:address:
   *
   * In rsa-r-group and rsa-r mode, the IPv4 or IPv6 address the group key server
   * binds to.
   *
   * Since: 0.1
   */
  properties[PROP_ADDRESS] = g_param_spec_string ("address", "Address",
      "Address the rsa-r-group/rsa-r key server binds to", DEFAULT_ADDRESS,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:allowed-identities:
   *
   * In rsa-r-group and rsa-r mode, the member identities admitted: exact, or
   * patterns with `*` and `?` (g_pattern_match_simple()). Empty: any
   * member whose certificate the CA issued (and the CRL does not revoke).
   *
   * An array of strings (#GstValueArray, not a #GStrv, which
   * gst-launch-1.0 of GStreamer 1.22 cannot parse). On a launch line each
   * identity is quoted, since GStreamer's parser takes `@` and `*` only
   * inside quotes:
   * `allowed-identities='<"sip:alice@example.org", "sip:*@example.com">'`.
   * From code, the same text with gst_util_set_object_arg(), or a
   * #GValue of #GST_TYPE_ARRAY holding strings with
   * g_object_set_property().
   *
   * Since: 0.1
   */
  properties[PROP_ALLOWED_IDENTITIES] = gst_param_spec_array
      ("allowed-identities", "Allowed identities",
      "Member identities (patterns with * and ?) the key server admits "
      "(empty: any with a certificate from the CA)",
      g_param_spec_string ("identity", "Identity",
          "A member identity or pattern", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:stats:
   *
   * `application/x-mikey-encoder-stats` with the key server's counters:
   * `members-joined` (identities answered), `members-rejoined` (later
   * answers to one of them), `members-refused`, `requests-repeated` (a member's
   * retransmission answered with the same R_MESSAGE), `requests-dropped`
   * (stale, future or replayed) and `datagrams-malformed`; `rekeys`,
   * the times srtpenc was switched to a new key; for dh and dhhmac mode
   * `rekeys-failed` (re-keys whose exchange was given up),
   * `packets-held` and `packets-dropped` (before srtpenc had the agreed
   * key) and `requests-sent` (re-keys' included; #guint64 all), and
   * `exchange-state` (string: none, exchanging, done, refused, failed; of
   * the first exchange).
   *
   * Since: 0.1
   */
  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "Key server counters", GST_TYPE_STRUCTURE,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GstMikeyEnc:rekey-interval:
   *
   * Seconds between two re-keys (see #GstMikeyEnc::rekey), counted from
   * going to PAUSED and then from the start of each re-key (one that cannot
   * start then, as while a dh modes' exchange is under way, is tried at the
   * next). 0: only on demand and at srtpenc's `soft-limit`. Set before
   * READY, it makes the key carry an MKI even with #GstMikeyEnc:mki-length
   * 0.
   *
   * Since: 0.1
   */
  properties[PROP_REKEY_INTERVAL] = g_param_spec_uint ("rekey-interval",
      "Re-key interval", "Seconds between re-keys (0: on demand and at "
      "srtpenc's soft limit only)", 0, G_MAXUINT / 1000,
      DEFAULT_REKEY_INTERVAL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstMikeyEnc:rekey-lead:
   *
   * Milliseconds a re-key's next key is announced before srtpenc switches
   * to it, and the old key still announced after. Receivers must have the
   * message within it: in band the next announcement carries it at once,
   * out of band it must cross the network, and in rsa-r-group mode
   * members must re-join within it (#GstMikeyDec:rejoin-interval, whose
   * default is below this one's).
   *
   * Since: 0.1
   */
  properties[PROP_REKEY_LEAD] = g_param_spec_uint ("rekey-lead",
      "Re-key lead", "Milliseconds the next key is announced before the "
      "switch, and the old one after it", 0, G_MAXINT, DEFAULT_REKEY_LEAD,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstMikeyEnc:peer-certificate:
   *
   * In pk mode, the receiver's certificate (a file: PEM, leaf first, or
   * one DER certificate), which must chain to #GstMikeyEnc:ca-file and
   * allow key encipherment: the envelope key is encrypted to it.
   *
   * Since: 0.1
   */
  properties[PROP_PEER_CERTIFICATE] = g_param_spec_string
      ("peer-certificate", "Peer certificate",
      "pk mode: the receiver's certificate file (PEM or DER)", NULL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:dh-group:
   *
   * In dh and dhhmac mode, the Diffie-Hellman group of our DHi (the
   * receiver answers in the same group).
   *
   * Since: 0.1
   */
  properties[PROP_DH_GROUP] = g_param_spec_enum ("dh-group", "DH group",
      "Diffie-Hellman group of the dh and dhhmac exchanges",
      GST_TYPE_MIKEY_DH_GROUP, DEFAULT_DH_GROUP,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:peer:
   *
   * In dh and dhhmac mode, the receiver (mikeydec in the same mode, its
   * #GstMikeyDec:port) as "host:port" ("[host]:port" for IPv6; without a
   * port 2269). The I_MESSAGE goes there over UDP from READY on, again
   * after 0.5, 1, 2, 4, 8, 8, ... s until it is answered.
   *
   * Since: 0.1
   */
  properties[PROP_PEER] = g_param_spec_string ("peer", "Peer",
      "dh/dhhmac: the receiver's MIKEY address, host:port", NULL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:peer-identity:
   *
   * The receiver's identity (IDr). dhhmac: required (RFC 4650 §3), the
   * same text as the receiving mikeydec's #GstMikeyDec:identity. dh:
   * optional; when set, the receiver's certificate must name it.
   *
   * Since: 0.1
   */
  properties[PROP_PEER_IDENTITY] = g_param_spec_string ("peer-identity",
      "Peer identity", "dh/dhhmac: the receiver's MIKEY identity (IDr)",
      NULL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  /**
   * GstMikeyEnc:max-pending:
   *
   * In dh and dhhmac mode, how many RTP packets to hold (before srtpenc)
   * until the exchange has given srtpenc its key; they are encrypted and
   * sent the moment it has. Packets beyond, and all with 0, are dropped.
   * SRTCP before the key is always dropped. Both are counted in
   * #GstMikeyEnc:stats (`packets-held`, `packets-dropped`).
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PENDING] = g_param_spec_uint ("max-pending",
      "Max pending", "dh/dhhmac: RTP packets held until srtpenc is keyed "
      "(0: drop them)", 0, G_MAXUINT, DEFAULT_MAX_PENDING,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  /**
   * GstMikeyEnc:rekey-timeout:
   *
   * In dh and dhhmac mode, milliseconds a re-key's key exchange may go
   * unanswered (its request sent again after 0.5, 1, 2, 4, 8, ... s)
   * before it is given up with a warning: srtpenc keeps its key, and the
   * next re-key tries again. A refusal (the receiver's Error message, or
   * an answer that fails authentication) ends it sooner, once the current
   * retransmission interval has passed without a valid answer. The first
   * exchange is never given up (the media waits for it).
   *
   * Since: 0.1
   */
  properties[PROP_REKEY_TIMEOUT] = g_param_spec_uint ("rekey-timeout",
      "Re-key timeout", "dh/dhhmac: milliseconds a re-key's key exchange "
      "may go unanswered before it is given up", 0, G_MAXINT,
      DEFAULT_REKEY_TIMEOUT,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);
  mikey_pki_install_properties (gobject_class, PROP_PKI_FIRST);

  /**
   * GstMikeyEnc::get-message:
   * @mikeyenc: the element
   *
   * Build a MIKEY I_MESSAGE for the current key and the SSRCs seen so far,
   * for carriage out of band (SDP, RTSP).
   *
   * Returns: (transfer full) (nullable): the message, or %NULL before the
   * element is READY
   *
   * Since: 0.1
   */
  signals[SIGNAL_GET_MESSAGE] = g_signal_new_class_handler ("get-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_mikey_enc_get_message), NULL, NULL, NULL,
      GST_TYPE_BUFFER, 0);
  /**
   * GstMikeyEnc::rekey:
   * @mikeyenc: the element
   *
   * Start a re-key: a new key with the next MKI is distributed alongside
   * the current one (in dh and dhhmac mode by a new exchange with the
   * receiver), srtpenc switches to it #GstMikeyEnc:rekey-lead later and the
   * old key is dropped another #GstMikeyEnc:rekey-lead later. Each step
   * posts `mikey-rekey`.
   *
   * Returns: %FALSE if no re-key could start (not READY, no MKI, one under
   * way, or in dh and dhhmac mode the first exchange not done); in those
   * modes %TRUE means the exchange started, which may still fail (a
   * warning)
   *
   * Since: 0.1
   */
  signals[SIGNAL_REKEY] = g_signal_new_class_handler ("rekey",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_mikey_enc_rekey), NULL, NULL, NULL, G_TYPE_BOOLEAN, 0);
  /**
   * GstMikeyEnc::on-rekey:
   * @mikeyenc: the element
   * @phase: `distributed`, `switched` or `retired`
   * @mki: the MKI of the new key (for `retired`, of the old one)
   *
   * A step of a re-key (see #GstMikeyEnc::rekey), as the element message
   * `mikey-rekey` says it too; emitted from the thread that makes the step
   * (a clock or UDP thread, or the application's for `rekey`), before
   * that message is posted.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ON_REKEY] = g_signal_new ("on-rekey",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, GST_TYPE_BUFFER);

  /**
   * GstMikeyEnc::accept-certificate:
   * @mikeyenc: the element
   * @identity: (nullable): the identity the peer claims (its ID payload),
   *   or %NULL for the certificate's own
   * @pem: the peer's certificate (PEM)
   *
   * The application's say on a peer: a member (rsa-r modes), the
   * receiver of a DH exchange, or #GstMikeyEnc:peer-certificate (pk
   * mode) when it is loaded. Emitted after the certificate chain led to
   * #GstMikeyEnc:ca-file, is not revoked, is valid now and bears
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
      &mikey_src_template);
  gst_element_class_set_static_metadata (element_class,
      "MIKEY SRTP keys out", "Filter/Network/SRTP",
      "Keys srtpenc with a random master key and announces it in MIKEY "
      "(RFC 3830) messages", "gst-plugins-mikey");
}
