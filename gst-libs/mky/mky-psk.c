/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-psk.h"
#include "mky-exchange.h"
#include "mky-error.h"
#include "mky-time.h"

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
    mky_exchange_new_rand (&csb->rand);
  }
  if (!mky_msg_keys_derive (&keys, csb->prf, cfg->encr_alg, cfg->mac_alg, psk,
          psk_len, csb->csb_id, csb->rand.data, csb->rand.len, error))
    return NULL;

  msg = mky_exchange_message_new (MKY_TYPE_PSK_INIT, csb->csb_id, csb->prf,
      csb->cs, &t, initial ? &csb->rand : NULL);
  mky_message_hdr (msg)->v = want_verify;
  /* IDr is the second ID payload: without IDi it could not be told apart */
  mky_exchange_add_ids (msg, cfg->id_type, cfg->id_i, NULL, NULL, cfg->id_type,
      cfg->id_r, TRUE);
  mky_exchange_add_policies (msg, csb->policies);
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
  const MkyT *t;
  MkyBytes idi = { (guint8 *) cfg->id_i, cfg->id_i ? strlen (cfg->id_i) : 0 };
  MkyBytes idr_sent = { (guint8 *) cfg->id_r, cfg->id_r ? strlen (cfg->id_r) : 0 };
  MkyMsgKeys keys;
  gboolean authentic, ok;
  gsize psk_len;
  const guint8 *psk = mky_config_get_psk (cfg, &psk_len);

  if (msg == NULL)
    return FALSE;
  /* the Responder echoes our timestamp: this is what makes a response
   * fresh (RFC 3830 §5.4: an Initiator refuses all but answers) */
  t = mky_exchange_check_answer (msg, MKY_TYPE_PSK_VERIFY,
      "a PSK verification or error message",
      ini->pending && csb->csb_id == ini->pending_csb_id,
      ini->pending_csb_id, &ini->pending_t, error);
  if (t == NULL)
    return FALSE;

  if (!mky_msg_keys_derive (&keys, csb->prf, ini->pending_encr,
          ini->pending_mac, psk, psk_len, csb->csb_id, csb->rand.data,
          csb->rand.len, error))
    return FALSE;
  ok = mky_exchange_check_v (msg, MKY_TYPE_PSK_VERIFY, &keys, &idi,
      &idr_sent, t, &authentic, error);
  mky_msg_keys_clear (&keys);
  if (!ok)
    return FALSE;

  if (mky_message_hdr (msg)->data_type == MKY_TYPE_ERROR) {
    /* an unauthenticated error is only a hint (RFC 3830 §5.1.2): the
     * request stays pending, so a forged one cannot end the exchange */
    if (authentic)
      ini->pending = FALSE;
    return mky_exchange_peer_error (msg, authentic, error);
  }
  ini->pending = FALSE;
  return TRUE;
}

/* ---- Responder ---- */

struct _MkyPskResponder {
  MkyConfig cfg;
  MkyPrfKey psk_key[2];         /* the PSK prepared once, per PRF */
  MkyReplayCache *replay;
  MkyTable csbs;                /* MkyCsb by CSB ID */
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
  mky_table_init (&r->csbs, cfg->max_csbs, (GDestroyNotify) mky_csb_unref);
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
  mky_table_clear (&r->csbs);
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

/* RFC 3830 §5.3 for a PSK I_MESSAGE: checks, then (for a Responder @r)
 * time and replay, then the MAC, then the contents. @old is the bundle an
 * update (no RAND) refers to. */
static MkyCsb *
open_message (const MkyConfig *cfg, MkyPskResponder *r, MkyMessage *msg,
    const MkyCsb *old, gint64 now_us, MkyOpened *o, GError **error)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *rand, *kemac, *t;
  const MkyBytes *idi = mky_exchange_id (msg, 0), *idr = mky_exchange_id (msg, 1);
  g_autoptr (GPtrArray) keys = NULL;
  MkyCsb *csb;
  gsize psk_len;
  const guint8 *psk = mky_config_get_psk (cfg, &psk_len);
  const MkyBytes *keying_rand;

  memset (o, 0, sizeof *o);
  if (!mky_exchange_check_data_type (hdr, MKY_TYPE_PSK_INIT,
          "a PSK I_MESSAGE", error)) {
    mky_opened_refuse (o, MKY_ERR_INVALID_DT);
    return NULL;
  }
  if (!check_psk_init_payloads (msg, error))
    return NULL;
  t = mky_message_find (msg, MKY_PT_T, 0);
  if (r && !mky_replay_cache_check (r->replay, msg, now_us, &o->ticket, error))
    return NULL;
  if (!mky_exchange_check_prf (hdr, error)) {
    mky_opened_refuse (o, MKY_ERR_INVALID_PRF);
    return NULL;
  }
  rand = mky_message_find (msg, MKY_PT_RAND, 0);
  keying_rand = mky_exchange_keying_rand (hdr, rand ? &rand->u.rand.rand
      : NULL, &old, error);
  if (keying_rand == NULL)
    return NULL;

  kemac = msg->payloads->pdata[msg->payloads->len - 1];
  if (is_null_protection (kemac->u.kemac.encr_alg, kemac->u.kemac.mac_alg)
      && !cfg->allow_null) {
    gboolean encr = kemac->u.kemac.encr_alg == MKY_ENCR_NULL;
    g_set_error (error, MKY_ERROR, encr ? MKY_ERROR_BAD_ENCR
        : MKY_ERROR_BAD_MAC_ALG, "NULL %s refused (MIKEY-NULL not allowed)",
        encr ? "encryption" : "MAC");
    mky_opened_refuse (o, encr ? MKY_ERR_INVALID_EA : MKY_ERR_INVALID_HA);
    return NULL;
  }
  if (!(r && psk_len ? mky_msg_keys_derive_keyed (&o->keys,
              &r->psk_key[hdr->prf], kemac->u.kemac.encr_alg,
              kemac->u.kemac.mac_alg, hdr->csb_id, keying_rand->data,
              keying_rand->len, error)
          : mky_msg_keys_derive (&o->keys, hdr->prf, kemac->u.kemac.encr_alg,
              kemac->u.kemac.mac_alg, psk, psk_len, hdr->csb_id,
              keying_rand->data, keying_rand->len, error))) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  if (!mky_message_verify_mac (msg, &o->keys, NULL, 0, error)) {
    mky_opened_refuse (o, MKY_ERR_INVALID_MAC);
    return NULL;
  }
  o->authentic = o->keyed = TRUE;

  if (!mky_exchange_id_matches (cfg->id_i, idi) || (idr && !mky_exchange_id_matches (cfg->id_r, idr))) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "identity not the one configured");
    mky_opened_refuse (o, MKY_ERR_INVALID_ID);
    return NULL;
  }
  keys = mky_kemac_open_data_in (&kemac->u.kemac, &o->keys, hdr->csb_id,
      mky_t_value64 (&t->u.t), MKY_PT_KEY_DATA, msg->memory, error);
  if (keys == NULL || !mky_exchange_check_key_data (keys, 0, "", error)) {
    mky_opened_refuse (o, MKY_ERR_UNSPECIFIED);
    return NULL;
  }

  csb = mky_exchange_apply (old, msg, keys);
  if (!mky_csb_check (csb, cfg->compat, error)) {
    mky_opened_refuse (o, mky_exchange_keying_err_no (*error));
    mky_csb_unref (csb);
    return NULL;
  }
  return csb;
}

/* open_message needs an error to read the Error no. from */
static MkyCsb *
open_init (const MkyConfig *cfg, MkyPskResponder *r, MkyMessage *msg,
    const MkyCsb *old, gint64 now_us, MkyOpened *o, GError **error)
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
  MkyOpened o;
  MkyCsb *csb;

  if (msg == NULL)
    return NULL;
  csb = open_init (cfg, NULL, msg, previous, 0, &o, error);
  mky_opened_clear (&o);
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
  MkyOpened o;

  *reply = NULL;
  msg = mky_message_parse_bytes (message, error);
  if (msg == NULL)
    return NULL;
  hdr = mky_message_hdr (msg);
  t = mky_message_find (msg, MKY_PT_T, 0);
  idi = mky_exchange_id (msg, 0);
  idr = mky_exchange_id (msg, 1);

  csb = open_init (&r->cfg, r, msg, mky_table_lookup (&r->csbs, hdr->csb_id),
      now_us, &o, error);
  mky_opened_add_replay (&o, r->replay, now_us);

  if (csb == NULL) {
    /* after an authentication failure the answer is not authenticated */
    *reply = mky_opened_error (&o, msg, idi, idr);
    mky_opened_clear (&o);
    return NULL;
  }
  mky_table_store (&r->csbs, csb->csb_id, mky_csb_ref (csb));

  if (hdr->v) {
    *reply = mky_exchange_verify_message (MKY_TYPE_PSK_VERIFY, &r->cfg, hdr,
        &t->u.t, csb, idi, idr, &o.keys, error);
    if (*reply == NULL)
      g_clear_pointer (&csb, mky_csb_unref);
  }
  mky_opened_clear (&o);
  return csb;
}
