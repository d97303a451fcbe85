/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-psk.h"
#include "mky-exchange.h"
#include "mky-error.h"
#include "mky-time.h"

#define RAND_LEN 16             /* RFC 3830 §6.11: SHOULD be at least 16 */

static gboolean
is_null_protection (guint encr, guint mac)
{
  return encr == MKY_ENCR_NULL || mac == MKY_MAC_NULL;
}

/* ---- Initiator ---- */

struct _MkyPskInitiator {
  MkyConfig cfg;
  gboolean pending;
  guint32 pending_csb_id;
  MkyT pending_t;
  guint8 pending_encr, pending_mac;
};

MkyPskInitiator *
mky_psk_initiator_new (const MkyConfig *cfg)
{
  MkyPskInitiator *ini = g_new0 (MkyPskInitiator, 1);
  mky_config_copy (&ini->cfg, cfg);
  return ini;
}

void
mky_psk_initiator_free (MkyPskInitiator *ini)
{
  if (ini == NULL)
    return;
  mky_config_clear (&ini->cfg);
  g_free (ini);
}

GBytes *
mky_psk_initiator_build (MkyPskInitiator *ini, MkyCsb *csb,
    gboolean want_verify, gint64 now_us, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = NULL;
  GByteArray *plain = NULL;
  MkyMsgKeys keys;
  MkyPayload *p;
  MkyT t;
  gboolean initial = csb->rand.len == 0;
  gsize psk_len;
  const guint8 *psk = mky_config_get_psk (cfg, &psk_len);
  GBytes *out = NULL;

  if (is_null_protection (cfg->encr_alg, cfg->mac_alg) && !cfg->allow_null) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR,
        "NULL encryption or MAC needs allow-null (MIKEY-NULL)");
    return NULL;
  }
  if (!mky_exchange_unique_time (&t, &csb->t, cfg->ts_type, now_us, error))
    return NULL;
  if (initial) {
    csb->prf = cfg->prf;
    gnutls_rnd (GNUTLS_RND_NONCE, mky_bytes_alloc (&csb->rand, RAND_LEN),
        RAND_LEN);
  }
  if (!mky_msg_keys_derive (&keys, csb->prf, cfg->encr_alg, cfg->mac_alg, psk,
          psk_len, csb->csb_id, csb->rand.data, csb->rand.len, error))
    return NULL;

  msg = mky_message_new (MKY_TYPE_PSK_INIT, csb->csb_id);
  mky_message_hdr (msg)->v = want_verify;
  mky_message_hdr (msg)->prf = csb->prf;
  mky_exchange_copy_map (mky_message_hdr (msg), csb->cs);
  p = mky_message_add (msg, MKY_PT_T);
  p->u.t = t;
  if (initial) {
    p = mky_message_add (msg, MKY_PT_RAND);
    mky_bytes_set (&p->u.rand.rand, csb->rand.data, csb->rand.len);
  }
  if (cfg->id_i)
    mky_exchange_add_id (msg, cfg->id_type, cfg->id_i);
  if (cfg->id_r) {
    /* IDr is the second ID payload: without IDi it could not be told apart */
    if (cfg->id_i == NULL)
      mky_exchange_add_id (msg, cfg->id_type, "");
    mky_exchange_add_id (msg, cfg->id_type, cfg->id_r);
  }
  for (guint i = 0; i < csb->policies->len; i++)
    g_ptr_array_add (msg->payloads, mky_payload_copy (csb->policies->pdata[i]));
  p = mky_message_add (msg, MKY_PT_KEMAC);

  plain = mky_csb_keys_serialize (csb, error);
  if (plain && mky_kemac_seal_data (&p->u.kemac, &keys, csb->csb_id,
          mky_t_value64 (&t), plain, error))
    out = mky_message_seal_mac (msg, &keys, NULL, 0, error);
  mky_secure_array_free (plain);
  mky_msg_keys_clear (&keys);
  if (out == NULL)
    return NULL;

  csb->t = t;
  ini->pending = want_verify;
  ini->pending_csb_id = csb->csb_id;
  ini->pending_t = t;
  ini->pending_encr = cfg->encr_alg;
  ini->pending_mac = cfg->mac_alg;
  return out;
}

gboolean
mky_psk_initiator_handle_response (MkyPskInitiator *ini, MkyCsb *csb,
    GBytes *response, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (response, error);
  g_autoptr (GByteArray) extra = NULL;
  const MkyPayload *t, *last;
  MkyBytes idi = { (guint8 *) cfg->id_i, cfg->id_i ? strlen (cfg->id_i) : 0 };
  MkyBytes idr_sent = { (guint8 *) cfg->id_r, cfg->id_r ? strlen (cfg->id_r) : 0 };
  const MkyBytes *idr;
  MkyMsgKeys keys;
  gboolean authentic = FALSE, ok;
  guint type;
  gsize psk_len;
  const guint8 *psk = mky_config_get_psk (cfg, &psk_len);

  if (msg == NULL)
    return FALSE;
  type = mky_message_hdr (msg)->data_type;
  if (type != MKY_TYPE_PSK_VERIFY && type != MKY_TYPE_ERROR) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE,
        "data type %u is not a PSK verification or error message", type);
    return FALSE;
  }
  if (!ini->pending || mky_message_hdr (msg)->csb_id != ini->pending_csb_id
      || csb->csb_id != ini->pending_csb_id) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
        "no request of CSB ID %08x awaits an answer",
        mky_message_hdr (msg)->csb_id);
    return FALSE;
  }
  /* the Responder echoes our timestamp: this is what makes a response
   * fresh (RFC 3830 §5.4: an Initiator refuses all but answers) */
  t = mky_message_find (msg, MKY_PT_T, 0);
  if (t == NULL || t->u.t.ts_type != ini->pending_t.ts_type
      || t->u.t.ts != ini->pending_t.ts) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_TS_MISMATCH,
        "the answer does not echo the timestamp of the request");
    return FALSE;
  }

  last = msg->payloads->pdata[msg->payloads->len - 1];
  idr = mky_exchange_id (msg, 0);
  extra = mky_exchange_verify_extra (&idi, idr ? idr : &idr_sent, &t->u.t);
  if (!mky_msg_keys_derive (&keys, csb->prf, ini->pending_encr,
          ini->pending_mac, psk, psk_len, csb->csb_id, csb->rand.data,
          csb->rand.len, error))
    return FALSE;
  if (last->type == MKY_PT_V) {
    ok = mky_message_verify_mac (msg, &keys, extra->data, extra->len, error);
    mky_msg_keys_clear (&keys);
    if (!ok)
      return FALSE;
    authentic = TRUE;
  } else if (type == MKY_TYPE_PSK_VERIFY) {
    mky_msg_keys_clear (&keys);
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "verification message without V payload");
    return FALSE;
  }
  mky_msg_keys_clear (&keys);

  if (type == MKY_TYPE_ERROR) {
    const MkyPayload *err = mky_message_find (msg, MKY_PT_ERR, 0);
    guint err_no = err ? err->u.err.err_no : MKY_ERR_UNSPECIFIED;
    /* an unauthenticated error is only a hint (RFC 3830 §5.1.2): the
     * request stays pending, so a forged one cannot end the exchange */
    if (authentic)
      ini->pending = FALSE;
    g_set_error (error, MKY_ERROR, MKY_ERROR_PEER_ERROR,
        "peer reported %s (%u), %s", mky_err_no_name (err_no) ?
        mky_err_no_name (err_no) : "an unknown error", err_no,
        authentic ? "authenticated" : "not authenticated");
    return FALSE;
  }
  ini->pending = FALSE;
  return TRUE;
}

/* ---- Responder ---- */

struct _MkyPskResponder {
  MkyConfig cfg;
  MkyPrfKey psk_key[2];         /* the PSK prepared once, per PRF */
  MkyReplayCache *replay;
  MkyCsbTable csbs;
};

MkyPskResponder *
mky_psk_responder_new (const MkyConfig *cfg, gint64 now_us,
    gboolean state_lost)
{
  MkyPskResponder *r = g_new0 (MkyPskResponder, 1);
  gsize psk_len;
  const guint8 *psk;

  mky_config_copy (&r->cfg, cfg);
  psk = mky_config_get_psk (&r->cfg, &psk_len);
  mky_prf_key_init (&r->psk_key[MKY_PRF_MIKEY_1], MKY_PRF_MIKEY_1, psk,
      psk_len);
  mky_prf_key_init (&r->psk_key[MKY_PRF_HMAC_SHA_256], MKY_PRF_HMAC_SHA_256,
      psk, psk_len);
  r->replay = mky_replay_cache_new (cfg->replay_capacity, cfg->skew_us,
      now_us, state_lost);
  mky_csb_table_init (&r->csbs, cfg->max_csbs);
  return r;
}

void
mky_psk_responder_free (MkyPskResponder *r)
{
  if (r == NULL)
    return;
  mky_config_clear (&r->cfg);
  mky_prf_key_clear (&r->psk_key[0]);
  mky_prf_key_clear (&r->psk_key[1]);
  mky_replay_cache_free (r->replay);
  mky_csb_table_clear (&r->csbs);
  g_free (r);
}

const MkyReplayCache *
mky_psk_responder_get_replay_cache (MkyPskResponder *r)
{
  return r->replay;
}

/* Payloads a PSK I_MESSAGE may carry: HDR, T, RAND, [IDi], [IDr], {SP},
 * KEMAC (RFC 3830 §3.1), and General Extensions (RFC 4567 SDP IDs...). */
static gboolean
check_psk_init_payloads (const MkyMessage *msg, GError **error)
{
  const MkyPayload *last;
  for (guint i = 0; i < msg->payloads->len; i++) {
    guint type = ((const MkyPayload *) msg->payloads->pdata[i])->type;
    switch (type) {
      case MKY_PT_T: case MKY_PT_RAND: case MKY_PT_ID: case MKY_PT_SP:
      case MKY_PT_KEMAC: case MKY_PT_GEN_EXT:
        break;
      default:
        g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
            "%s payload in a PSK I_MESSAGE", mky_payload_type_name (type));
        return FALSE;
    }
  }
  if (mky_message_count (msg, MKY_PT_ID) > 2) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "more than two ID payloads");
    return FALSE;
  }
  last = msg->payloads->len ? msg->payloads->pdata[msg->payloads->len - 1] : NULL;
  if (last == NULL || last->type != MKY_PT_KEMAC) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "a PSK I_MESSAGE ends with a KEMAC");
    return FALSE;
  }
  if (mky_message_find (msg, MKY_PT_T, 0) == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD, "no T payload");
    return FALSE;
  }
  return TRUE;
}

/* How far an I_MESSAGE got, for the answer RFC 3830 §5.1.2 wants */
typedef struct {
  gboolean reply;               /* an Error message is due */
  MkyErrNo err_no;
  gboolean authentic;           /* the MAC verified: @keys protect a reply */
  MkyMsgKeys keys;
  MkyReplayTicket ticket;       /* for the replay cache once authentic */
} Opened;

static gboolean
refuse (Opened *o, MkyErrNo err_no)
{
  o->reply = TRUE;
  o->err_no = err_no;
  return FALSE;
}

/* RFC 3830 §5.3 for a PSK I_MESSAGE: checks, then (for a Responder @r)
 * time and replay, then the MAC, then the contents. @old is the bundle an
 * update (no RAND) refers to. */
static MkyCsb *
open_message (const MkyConfig *cfg, MkyPskResponder *r, MkyMessage *msg,
    const MkyCsb *old, gint64 now_us, Opened *o, GError **error)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *rand, *kemac, *t;
  const MkyBytes *idi = mky_exchange_id (msg, 0), *idr = mky_exchange_id (msg, 1);
  g_autoptr (GPtrArray) keys = NULL;
  MkyCsb *csb;
  gsize psk_len;
  const guint8 *psk = mky_config_get_psk (cfg, &psk_len);
  const guint8 *rand_data;
  gsize rand_len;

  memset (o, 0, sizeof *o);
  if (hdr->data_type != MKY_TYPE_PSK_INIT) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE,
        "data type %u is not a PSK I_MESSAGE", hdr->data_type);
    refuse (o, MKY_ERR_INVALID_DT);
    return NULL;
  }
  if (!check_psk_init_payloads (msg, error))
    return NULL;
  t = mky_message_find (msg, MKY_PT_T, 0);
  if (r && !mky_replay_cache_check (r->replay, msg, now_us, &o->ticket, error))
    return NULL;
  if (hdr->prf > MKY_PRF_HMAC_SHA_256) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF, "PRF %u unknown",
        hdr->prf);
    refuse (o, MKY_ERR_INVALID_PRF);
    return NULL;
  }
  rand = mky_message_find (msg, MKY_PT_RAND, 0);
  if (rand) {
    rand_data = rand->u.rand.rand.data;
    rand_len = rand->u.rand.rand.len;
    old = NULL;
  } else if (old && old->prf == hdr->prf) {
    rand_data = old->rand.data;
    rand_len = old->rand.len;
  } else {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
        "update (no RAND) of unknown CSB ID %08x, or with another PRF",
        hdr->csb_id);
    return NULL;
  }

  kemac = msg->payloads->pdata[msg->payloads->len - 1];
  if (is_null_protection (kemac->u.kemac.encr_alg, kemac->u.kemac.mac_alg)
      && !cfg->allow_null) {
    gboolean encr = kemac->u.kemac.encr_alg == MKY_ENCR_NULL;
    g_set_error (error, MKY_ERROR, encr ? MKY_ERROR_BAD_ENCR
        : MKY_ERROR_BAD_MAC_ALG, "NULL %s refused (MIKEY-NULL not allowed)",
        encr ? "encryption" : "MAC");
    refuse (o, encr ? MKY_ERR_INVALID_EA : MKY_ERR_INVALID_HA);
    return NULL;
  }
  if (!(r && psk_len ? mky_msg_keys_derive_keyed (&o->keys,
              &r->psk_key[hdr->prf], kemac->u.kemac.encr_alg,
              kemac->u.kemac.mac_alg, hdr->csb_id, rand_data, rand_len, error)
          : mky_msg_keys_derive (&o->keys, hdr->prf, kemac->u.kemac.encr_alg,
              kemac->u.kemac.mac_alg, psk, psk_len, hdr->csb_id, rand_data,
              rand_len, error))) {
    refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  if (!mky_message_verify_mac (msg, &o->keys, NULL, 0, error)) {
    refuse (o, MKY_ERR_INVALID_MAC);
    return NULL;
  }
  o->authentic = TRUE;

  if (!mky_exchange_id_matches (cfg->id_i, idi) || (idr && !mky_exchange_id_matches (cfg->id_r, idr))) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "identity not the one configured");
    refuse (o, MKY_ERR_INVALID_ID);
    return NULL;
  }
  keys = mky_kemac_open_data (&kemac->u.kemac, &o->keys, hdr->csb_id,
      mky_t_value64 (&t->u.t), MKY_PT_KEY_DATA, error);
  for (guint i = 0; keys && i < keys->len; i++)
    if (((MkyPayload *) keys->pdata[i])->type != MKY_PT_KEY_DATA) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
          "KEMAC holds a %s payload",
          mky_payload_type_name (((MkyPayload *) keys->pdata[i])->type));
      g_clear_pointer (&keys, g_ptr_array_unref);
    }
  if (keys == NULL) {
    refuse (o, MKY_ERR_UNSPECIFIED);
    return NULL;
  }

  csb = mky_exchange_apply (old, msg, keys);
  if (!mky_csb_check (csb, cfg->compat, error)) {
    refuse (o, mky_exchange_keying_err_no (*error));
    mky_csb_unref (csb);
    return NULL;
  }
  return csb;
}

/* open_message needs an error to read the Error no. from */
static MkyCsb *
open_init (const MkyConfig *cfg, MkyPskResponder *r, MkyMessage *msg,
    const MkyCsb *old, gint64 now_us, Opened *o, GError **error)
{
  GError *local = NULL;
  MkyCsb *csb = open_message (cfg, r, msg, old, now_us, o, &local);
  if (local)
    g_propagate_error (error, local);
  return csb;
}

MkyCsb *
mky_psk_open (const MkyConfig *cfg, GBytes *message, const MkyCsb *previous,
    GError **error)
{
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (message, error);
  Opened o;
  MkyCsb *csb;

  if (msg == NULL)
    return NULL;
  csb = open_init (cfg, NULL, msg, previous, 0, &o, error);
  mky_msg_keys_clear (&o.keys);
  return csb;
}

MkyCsb *
mky_psk_responder_handle (MkyPskResponder *r, GBytes *message, gint64 now_us,
    GBytes **reply, GError **error)
{
  g_autoptr (MkyMessage) msg = NULL;
  const MkyHdr *hdr;
  const MkyPayload *t;
  const MkyBytes *idi, *idr;
  MkyCsb *csb;
  Opened o;

  *reply = NULL;
  msg = mky_message_parse_bytes (message, error);
  if (msg == NULL)
    return NULL;
  hdr = mky_message_hdr (msg);
  t = mky_message_find (msg, MKY_PT_T, 0);
  idi = mky_exchange_id (msg, 0);
  idr = mky_exchange_id (msg, 1);

  csb = open_init (&r->cfg, r, msg,
      mky_csb_table_lookup (&r->csbs, hdr->csb_id),
      now_us, &o, error);
  /* only authenticated messages enter the replay cache (RFC 3830 §5.3) */
  if (o.authentic)
    mky_replay_cache_add (r->replay, &o.ticket, now_us);

  if (csb == NULL) {
    g_autoptr (MkyPayload) offer = NULL;
    if (o.reply && t) {
      if (o.err_no == MKY_ERR_INVALID_SPPAR) {
        /* RFC 3830 §5.1.1: say what we support */
        MkySrtpPolicy def;
        mky_srtp_policy_from_sp (NULL, MKY_SP_COMPAT_STRICT, &def, NULL);
        offer = mky_payload_new (MKY_PT_SP);
        offer->u.sp.prot_type = MKY_PROT_SRTP;
        mky_srtp_policy_to_sp (&def, FALSE, &offer->u.sp);
      }
      /* after an authentication failure the answer is not authenticated */
      *reply = mky_exchange_error (hdr, &t->u.t, o.err_no, offer,
          o.authentic ? &o.keys : NULL, idi, idr);
    }
    mky_msg_keys_clear (&o.keys);
    return NULL;
  }
  mky_csb_table_store (&r->csbs, csb);

  if (hdr->v) {
    g_autoptr (MkyMessage) v = mky_message_new (MKY_TYPE_PSK_VERIFY,
        hdr->csb_id);
    g_autoptr (GByteArray) extra = NULL;
    MkyPayload *p;
    const MkyBytes *idr_out = NULL;

    mky_message_hdr (v)->prf = hdr->prf;
    mky_exchange_copy_map (mky_message_hdr (v), csb->cs);
    p = mky_message_add (v, MKY_PT_T);
    p->u.t = t->u.t;
    if (r->cfg.id_r) {
      mky_exchange_add_id (v, r->cfg.id_type, r->cfg.id_r);
      idr_out = mky_exchange_id (v, 0);
    }
    mky_message_add (v, MKY_PT_V);
    extra = mky_exchange_verify_extra (idi, idr_out ? idr_out : idr, &t->u.t);
    *reply = mky_message_seal_mac (v, &o.keys, extra->data, extra->len, error);
    if (*reply == NULL)
      g_clear_pointer (&csb, mky_csb_unref);
  }
  mky_msg_keys_clear (&o.keys);
  return csb;
}
