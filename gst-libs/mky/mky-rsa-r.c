/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-rsa-r.h"
#include "mky-exchange.h"
#include "mky-error.h"
#include "mky-sign.h"
#include "mky-time.h"

#define ENV_KEY_LEN 32          /* envelope key: enough for every PRF input */
#define TGK_LEN 16              /* a unicast Responder's TGK */
#define DIGEST_LEN 20           /* SHA-1 of a message, as the replay cache */
#define MEMORY_MAX 256          /* remembered answers / refusals */

/* ---- shared ---- */

/* An ID payload's data as a string for the PKI: NULL when absent or
 * empty; FALSE (MKY_ERROR_BAD_ID) when it holds a NUL */
static gboolean
id_string (const MkyBytes *id, char **out, GError **error)
{
  *out = NULL;
  if (id == NULL || id->len == 0)
    return TRUE;
  *out = mky_exchange_id_string (id, error);
  return *out != NULL;
}

/* Does the chain name a certificate for encryption apart from the
 * signing one (CERT type X.509v3 Encr)? */
static gboolean
has_encr_cert (GPtrArray *certs)
{
  for (guint i = 0; i < certs->len; i++)
    if (((MkyCertEntry *) certs->pdata[i])->type == MKY_CERT_X509V3_ENCR)
      return TRUE;
  return FALSE;
}

/* IDi of an I_MESSAGE ([IDi|CERTi], [IDr]): an ID payload before any
 * CERT; one after a CERT (or the second) is IDr. Empty counts as absent.
 * (The same reading as PK mode's.) */
static const MkyPayload *
i_message_idi (const MkyMessage *msg)
{
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    if (p->type == MKY_PT_CERT)
      return NULL;
    if (p->type == MKY_PT_ID)
      return p->u.id.data.len ? p : NULL;
  }
  return NULL;
}

static guint
id_type_of (const MkyMessage *msg, guint nth)
{
  const MkyPayload *p = mky_message_find (msg, MKY_PT_ID, nth);
  return p ? p->u.id.type : MKY_ID_URI;
}

static gboolean
policy_equal (const MkySrtpPolicy *a, const MkySrtpPolicy *b)
{
  return a->srtp_cipher == b->srtp_cipher && a->srtp_auth == b->srtp_auth
      && a->srtcp_cipher == b->srtcp_cipher && a->srtcp_auth == b->srtcp_auth
      && a->key_len == b->key_len && a->salt_len == b->salt_len
      && a->auth_key_len == b->auth_key_len && a->tag_len == b->tag_len;
}

static gboolean
sp_equal (const MkySp *a, const MkySp *b)
{
  guint na = a->params ? a->params->len : 0, nb = b->params ? b->params->len : 0;
  if (a->policy_no != b->policy_no || a->prot_type != b->prot_type || na != nb)
    return FALSE;
  for (guint i = 0; i < na; i++) {
    const MkySpParam *pa = a->params->pdata[i], *pb = b->params->pdata[i];
    if (pa->type != pb->type || !mky_bytes_equal (&pa->value, &pb->value))
      return FALSE;
  }
  return TRUE;
}

/* The General Extension payloads of type CSB_ID (RFC 4738 §3.2, §3.9.3):
 * how many, and the value of the first (4 bytes, as the HDR's CSB ID) */
static guint
gen_ext_csb_id (const MkyMessage *msg, guint32 *csb_id, gboolean *bad_len)
{
  guint n = 0;
  *bad_len = FALSE;
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    if (p->type != MKY_PT_GEN_EXT || p->u.gen_ext.type != MKY_GEN_CSB_ID)
      continue;
    if (n++ == 0) {
      const MkyBytes *d = &p->u.gen_ext.data;
      if (d->len != 4)
        *bad_len = TRUE;
      else
        *csb_id = (guint32) d->data[0] << 24 | d->data[1] << 16
            | d->data[2] << 8 | d->data[3];
    }
  }
  return n;
}

/* ---- Initiator ---- */

struct _MkyRsaRInitiator {
  MkyConfig cfg;
  MkyRsaRMode mode;
  MkyRsaRResponderPolicy policy;
  MkyTrust *retarget;
  MkyPeer *pinned;
  MkyT last_t;
  /* the pending request */
  gboolean pending;
  guint32 csb_id;
  MkyT t;
  MkyBytes rand;                /* the RAND we sent, empty if none */
  GPtrArray *offered;           /* MkyPayload (SP) we sent */
  GPtrArray *cs;                /* MkyCsSrtp of our map */
  MkyBytes idi, idr;            /* ID data we sent */
};

MkyRsaRInitiator *
mky_rsa_r_initiator_new (const MkyConfig *cfg, MkyRsaRMode mode)
{
  MkyRsaRInitiator *ini = g_new0 (MkyRsaRInitiator, 1);
  mky_config_copy (&ini->cfg, cfg);
  ini->mode = mode;
  ini->policy = MKY_RSA_R_RESPONDER_ANY;
  ini->offered = g_ptr_array_new_with_free_func ((GDestroyNotify) mky_payload_free);
  ini->cs = g_ptr_array_new_with_free_func (g_free);
  return ini;
}

static void
initiator_forget (MkyRsaRInitiator *ini)
{
  ini->pending = FALSE;
  mky_bytes_clear (&ini->rand, FALSE);
  mky_bytes_clear (&ini->idi, FALSE);
  mky_bytes_clear (&ini->idr, FALSE);
  g_ptr_array_set_size (ini->offered, 0);
  g_ptr_array_set_size (ini->cs, 0);
}

void
mky_rsa_r_initiator_free (MkyRsaRInitiator *ini)
{
  if (ini == NULL)
    return;
  initiator_forget (ini);
  g_ptr_array_unref (ini->offered);
  g_ptr_array_unref (ini->cs);
  g_clear_pointer (&ini->retarget, mky_trust_unref);
  g_clear_pointer (&ini->pinned, mky_peer_unref);
  mky_config_clear (&ini->cfg);
  g_free (ini);
}

void
mky_rsa_r_initiator_set_responder_policy (MkyRsaRInitiator *ini,
    MkyRsaRResponderPolicy policy, MkyTrust *retarget)
{
  ini->policy = policy;
  g_clear_pointer (&ini->retarget, mky_trust_unref);
  if (retarget)
    ini->retarget = mky_trust_ref (retarget);
}

void
mky_rsa_r_initiator_set_responder_peer (MkyRsaRInitiator *ini, MkyPeer *peer)
{
  g_clear_pointer (&ini->pinned, mky_peer_unref);
  if (peer)
    ini->pinned = mky_peer_ref (peer);
}

GBytes *
mky_rsa_r_initiator_build (MkyRsaRInitiator *ini, const MkyCsb *request,
    gboolean send_rand, gint64 now_us, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = NULL;
  MkyT t;
  MkyIdType id_type;
  const char *idi;
  GBytes *out;

  if (cfg->credentials == NULL || mky_credentials_get_n_certs (cfg->credentials) == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "RSA-R needs our certificate and key");
    return NULL;
  }
  if (ini->mode == MKY_RSA_R_GROUP && request->policies->len) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "a group member MUST NOT send SP (RFC 4738 §3.2)");
    return NULL;
  }
  if (ini->policy != MKY_RSA_R_RESPONDER_ANY && cfg->id_r == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "a Responder policy restricted to the IDr sent needs id_r "
        "(RFC 4738 §3.4)");
    return NULL;
  }
  if (ini->policy == MKY_RSA_R_RESPONDER_LISTED && ini->retarget == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "the listed Responder policy needs a retarget trust");
    return NULL;
  }
  if (!mky_exchange_unique_time (&t, &ini->last_t, cfg->ts_type, now_us,
          error))
    return NULL;

  initiator_forget (ini);
  if (send_rand)
    mky_exchange_new_rand (&ini->rand);
  msg = mky_exchange_message_new (MKY_TYPE_RSA_R_INIT, request->csb_id,
      cfg->prf, request->cs, &t, send_rand ? &ini->rand : NULL);
  /* RFC 4738 §3.4: V MUST be 1, a response is mandatory */
  mky_message_hdr (msg)->v = 1;
  /* IDr is the second ID payload: without IDi it could not be told apart */
  idi = mky_exchange_own_identity (cfg, cfg->id_i, &id_type);
  mky_exchange_add_ids (msg, id_type, idi, cfg->credentials, cfg->cert_url,
      cfg->id_type,
      cfg->id_r, TRUE);
  if (idi)
    mky_bytes_set (&ini->idi, (const guint8 *) idi, strlen (idi));
  if (cfg->id_r)
    mky_bytes_set (&ini->idr, (const guint8 *) cfg->id_r, strlen (cfg->id_r));
  mky_exchange_add_policies (msg, request->policies);
  for (guint i = 0; i < request->policies->len; i++)
    g_ptr_array_add (ini->offered, mky_payload_copy (request->policies->pdata[i]));
  for (guint i = 0; i < request->cs->len; i++)
    g_ptr_array_add (ini->cs, g_memdup2 (request->cs->pdata[i], sizeof (MkyCsSrtp)));

  out = mky_message_seal_sign (msg, cfg->credentials, cfg->sign_type, NULL, 0,
      error);
  if (out == NULL) {
    initiator_forget (ini);
    return NULL;
  }
  ini->last_t = t;
  ini->t = t;
  ini->csb_id = request->csb_id;
  ini->pending = TRUE;
  return out;
}

/* An Error message answering our request: authenticated only when signed
 * by the pinned Responder certificate (an Error message carries none) */
static void
initiator_error (MkyRsaRInitiator *ini, const MkyMessage *msg,
    const MkyT *t, GError **error)
{
  const MkyPayload *last = msg->payloads->pdata[msg->payloads->len - 1];
  gboolean authentic = FALSE;

  if (last->type == MKY_PT_SIGN && ini->pinned) {
    g_autoptr (GByteArray) extra = mky_exchange_verify_extra (&ini->idi,
        NULL, t);
    authentic = mky_message_verify_sign (msg, ini->pinned, extra->data,
        extra->len, NULL);
  }
  /* an unauthenticated error is only a hint (RFC 3830 §5.1.2) */
  if (authentic)
    initiator_forget (ini);
  mky_exchange_peer_error (msg, authentic, error);
}

/* Payloads an R_MESSAGE may carry and the rules of RFC 4738 §3.2, §3.6,
 * §3.7 that an Initiator checks before any cryptography. On success
 * @csb_id is the CSB ID the keys are computed with. */
static gboolean
check_r_message (MkyRsaRInitiator *ini, const MkyMessage *msg,
    guint32 *csb_id, GError **error)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  gboolean group = ini->mode == MKY_RSA_R_GROUP, bad_len;
  gboolean has_rand = mky_message_find (msg, MKY_PT_RAND, 0) != NULL;
  const MkyPayload *last = msg->payloads->pdata[msg->payloads->len - 1];
  guint n_sp = mky_message_count (msg, MKY_PT_SP), n_gen;

  for (guint i = 0; i < msg->payloads->len; i++) {
    guint type = ((const MkyPayload *) msg->payloads->pdata[i])->type;
    switch (type) {
      case MKY_PT_GEN_EXT: case MKY_PT_T: case MKY_PT_RAND: case MKY_PT_ID:
      case MKY_PT_CERT: case MKY_PT_SP: case MKY_PT_KEMAC: case MKY_PT_PKE:
      case MKY_PT_SIGN:
        break;
      default:
        g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
            "%s payload in an RSA-R R_MESSAGE", mky_payload_type_name (type));
        return FALSE;
    }
  }
  if (last->type != MKY_PT_SIGN || !mky_message_find (msg, MKY_PT_KEMAC, 0)
      || !mky_message_find (msg, MKY_PT_PKE, 0)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "an R_MESSAGE has a KEMAC, a PKE and ends with SIGNr");
    return FALSE;
  }
  if (mky_message_count (msg, MKY_PT_ID) > 1) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "more than one ID payload in an R_MESSAGE");
    return FALSE;
  }

  /* §3.6: a new CSB ID in a General Extension in group mode, never in
   * unicast */
  n_gen = gen_ext_csb_id (msg, csb_id, &bad_len);
  if (!group && n_gen) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "General Extension CSB_ID in a unicast R_MESSAGE (RFC 4738 §3.6)");
    return FALSE;
  }
  if (group && n_gen == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no General Extension CSB_ID in a group R_MESSAGE (RFC 4738 §3.2)");
    return FALSE;
  }
  if (n_gen > 1) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_DUPLICATE_PAYLOAD,
        "two General Extensions CSB_ID");
    return FALSE;
  }
  if (bad_len) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_LENGTH,
        "General Extension CSB_ID of other than 4 bytes");
    return FALSE;
  }
  if (!group)
    *csb_id = hdr->csb_id;

  /* §3.7: exactly one of the two messages carries RAND in unicast; the
   * R_MESSAGE always does in a group (§3.4) */
  if (!group && ini->rand.len && has_rand) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "RAND in the R_MESSAGE although the I_MESSAGE had one "
        "(RFC 4738 §3.7)");
    return FALSE;
  }
  if (!has_rand && (group || ini->rand.len == 0)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no RAND in the R_MESSAGE although %s (RFC 4738 §3.4, §3.7)",
        group ? "in group mode it always has one" : "the I_MESSAGE had none");
    return FALSE;
  }

  /* §3.6, §3.7: an offer is answered with exactly one of its policies */
  if (group && n_sp == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no SP in a group R_MESSAGE (RFC 4738 §3.2)");
    return FALSE;
  }
  if (!group && ini->offered->len) {
    const MkyPayload *sp = mky_message_find (msg, MKY_PT_SP, 0);
    gboolean offered = FALSE;
    if (n_sp == 0) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
          "no SP answering the policies offered (RFC 4738 §3.6)");
      return FALSE;
    }
    for (guint i = 0; n_sp == 1 && !offered && i < ini->offered->len; i++)
      offered = sp_equal (&sp->u.sp,
          &((MkyPayload *) ini->offered->pdata[i])->u.sp);
    if (!offered) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
          n_sp == 1 ? "the R_MESSAGE's SP is not one we offered "
          "(RFC 4738 §3.7)" : "more than one SP answering our offer");
      return FALSE;
    }
  }

  if (group ? hdr->prf > MKY_PRF_HMAC_SHA_256 : hdr->prf != ini->cfg.prf) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF,
        "PRF %u in the R_MESSAGE", hdr->prf);
    return FALSE;
  }
  /* the Responder fills the map in (§3.6); in unicast it must key the
   * streams we originate, in our order (SSRC 0: its choice) */
  if (!group) {
    guint n = hdr->map_type == MKY_MAP_SRTP_ID && hdr->cs_srtp
        ? hdr->cs_srtp->len : 0;
    for (guint i = 0; i < ini->cs->len; i++) {
      const MkyCsSrtp *ours = ini->cs->pdata[i];
      const MkyCsSrtp *theirs = i < n ? hdr->cs_srtp->pdata[i] : NULL;
      if (theirs == NULL || (ours->ssrc && theirs->ssrc != ours->ssrc)) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
            "the R_MESSAGE's map does not key our stream %u (SSRC %08x)",
            i + 1, ours->ssrc);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* Is @peer the Responder we sent IDr for? */
static gboolean
is_sent_idr (MkyRsaRInitiator *ini, MkyPeer *peer, const MkyBytes *idr)
{
  if (ini->cfg.id_r == NULL)
    return FALSE;
  if (idr && !mky_exchange_id_matches (ini->cfg.id_r, idr))
    return FALSE;
  return mky_peer_check_id (peer, ini->cfg.id_type, ini->cfg.id_r, NULL);
}

/* The Responder's certificate (CERTr through cfg->trust, else the pinned
 * one) for the identity its IDr claims, then RFC 4738 §5's policy */
static MkyPeer *
responder_peer (MkyRsaRInitiator *ini, const MkyMessage *msg, gint64 now_us,
    GPtrArray *certs, GError **error)
{
  const MkyBytes *idr = mky_exchange_id (msg, 0);
  g_autofree char *claimed = NULL;
  guint id_type = id_type_of (msg, 0);
  MkyPeer *peer = NULL;

  if (!id_string (idr, &claimed, error))
    return NULL;
  if (certs->len && ini->cfg.trust) {
    peer = mky_trust_verify (ini->cfg.trust, certs, id_type, claimed,
        MKY_KEY_USAGE_SIGN, now_us, error);
  } else if (ini->pinned) {
    if (claimed && !mky_peer_check_id (ini->pinned, id_type, claimed, error))
      return NULL;
    peer = mky_peer_ref (ini->pinned);
  } else {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "no Responder certificate (no CERTr, nothing pinned or no trust)");
  }
  return peer;
}

static gboolean
responder_allowed (MkyRsaRInitiator *ini, const MkyMessage *msg,
    MkyPeer *peer, gint64 now_us, GPtrArray *certs, GError **error)
{
  const MkyBytes *idr = mky_exchange_id (msg, 0);
  const char *who = mky_peer_get_identity (peer);
  g_autofree char *claimed = NULL;

  switch (ini->policy) {
    case MKY_RSA_R_RESPONDER_ANY:
      return TRUE;
    case MKY_RSA_R_RESPONDER_SENT_IDR:
      if (is_sent_idr (ini, peer, idr))
        return TRUE;
      g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
          "Responder %s is not %s, the one asked for", who ? who : "(none)",
          ini->cfg.id_r);
      return FALSE;
    case MKY_RSA_R_RESPONDER_LISTED: {
      g_autoptr (MkyPeer) other = NULL;
      if (is_sent_idr (ini, peer, idr))
        return TRUE;
      if (certs->len == 0) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
            "retargeted Responder without a certificate");
        return FALSE;
      }
      if (!id_string (idr, &claimed, error))
        return FALSE;
      other = mky_trust_verify (ini->retarget, certs, id_type_of (msg, 0),
          claimed, MKY_KEY_USAGE_SIGN, now_us, error);
      if (other == NULL)
        g_prefix_error (error, "retargeted Responder %s: ",
            who ? who : "(none)");
      return other != NULL;
    }
  }
  g_assert_not_reached ();
}

/* Decrypt the envelope key, check the KEMAC MAC, decrypt the KEMAC: the
 * IDr it opens with must name the signer; the Key data payloads after it
 * are returned */
static GPtrArray *
open_kemac (MkyRsaRInitiator *ini, const MkyMessage *msg, MkyPeer *peer,
    guint32 csb_id, const MkyBytes *rand, const MkyT *t, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  const MkyPayload *kemac = mky_message_find (msg, MKY_PT_KEMAC, 0);
  const MkyPayload *pke = mky_message_find (msg, MKY_PT_PKE, 0);
  const MkyBytes *idr = mky_exchange_id (msg, 0);
  g_autofree char *inner_id = NULL;
  MkyBytes env = { 0 };
  MkyMsgKeys keys;
  GPtrArray *chain;
  const MkyPayload *first;
  gboolean ok;

  if (!mky_exchange_check_pk_algs (cfg->allow_null, kemac->u.kemac.encr_alg,
          kemac->u.kemac.mac_alg, error))
    return NULL;
  /* a padding failure must look like a MAC failure (no decryption oracle) */
  mky_exchange_open_envelope (cfg->credentials, &pke->u.pke, &env);
  ok = mky_msg_keys_derive (&keys, mky_message_hdr (msg)->prf,
      kemac->u.kemac.encr_alg, kemac->u.kemac.mac_alg, env.data, env.len,
      csb_id, rand->data, rand->len, error);
  mky_bytes_clear (&env, TRUE);
  if (!ok)
    return NULL;

  if (!mky_exchange_kemac_mac_verify (&keys, msg, kemac, error)) {
    mky_msg_keys_clear (&keys);
    g_prefix_error (error, "envelope key or KEMAC: ");
    return NULL;
  }
  chain = mky_kemac_open_data (&kemac->u.kemac, &keys, csb_id,
      mky_t_value64 (t), MKY_PT_ID, error);
  mky_msg_keys_clear (&keys);
  if (chain == NULL)
    return NULL;

  /* RFC 4738 §3.6: KEMAC = E(encr_key, IDr || {TGK}); the IDr is the
   * Responder's, the one that signed (as RFC 3830 §3.2 checks IDi) */
  first = chain->len ? chain->pdata[0] : NULL;
  if (first == NULL || first->type != MKY_PT_ID
      || !id_string (&first->u.id.data, &inner_id, NULL) || inner_id == NULL
      || (idr && !mky_bytes_equal (idr, &first->u.id.data))
      || !mky_peer_check_id (peer, first->u.id.type, inner_id, NULL)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "the IDr in the KEMAC is not the signer's identity");
    g_ptr_array_unref (chain);
    return NULL;
  }
  g_ptr_array_remove_index (chain, 0);
  if (!mky_exchange_check_key_data (chain, 0, " after IDr", error)) {
    g_ptr_array_unref (chain);
    return NULL;
  }
  if (chain->len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "KEMAC without a TGK");
    g_ptr_array_unref (chain);
    return NULL;
  }
  return chain;
}

MkyCsb *
mky_rsa_r_initiator_handle_response (MkyRsaRInitiator *ini,
    GBytes *response, gint64 now_us, MkyPeer **responder, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GByteArray) extra = NULL;
  g_autoptr (MkyPeer) peer = NULL;
  g_autoptr (MkyCsb) with_rand = NULL;
  const MkyHdr *hdr;
  const MkyT *t;
  const MkyPayload *rand;
  const MkyBytes *idr;
  guint32 csb_id = 0;
  MkyCsb *csb;

  if (responder)
    *responder = NULL;
  msg = mky_message_parse_bytes (response, error);
  if (msg == NULL)
    return NULL;
  hdr = mky_message_hdr (msg);
  /* §3.6: T is exactly the I_MESSAGE's; this makes the answer fresh */
  t = mky_exchange_check_answer (msg, MKY_TYPE_RSA_R_RESP,
      "an RSA-R R_MESSAGE or an error message", ini->pending, ini->csb_id,
      &ini->t, error);
  if (t == NULL)
    return NULL;
  if (msg->payloads->len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD, "empty message");
    return NULL;
  }
  if (hdr->data_type == MKY_TYPE_ERROR) {
    initiator_error (ini, msg, t, error);
    return NULL;
  }
  if (!check_r_message (ini, msg, &csb_id, error))
    return NULL;

  /* SIGNr = sign (R_MESSAGE || IDi || IDr || T), RFC 4738 §3.6 */
  certs = mky_exchange_certs (msg);
  peer = responder_peer (ini, msg, now_us, certs, error);
  if (peer == NULL)
    return NULL;
  idr = mky_exchange_id (msg, 0);
  extra = mky_exchange_verify_extra (&ini->idi, idr ? idr : &ini->idr, t);
  if (!mky_message_verify_sign (msg, peer, extra->data, extra->len, error))
    return NULL;
  if (!responder_allowed (ini, msg, peer, now_us, certs, error))
    return NULL;

  rand = mky_message_find (msg, MKY_PT_RAND, 0);
  keys = open_kemac (ini, msg, peer, csb_id,
      rand ? &rand->u.rand.rand : &ini->rand, t, error);
  if (keys == NULL)
    return NULL;

  /* the bundle: RAND from whichever message carried it, the Responder's
   * map and policies, and in a group the group's CSB ID (§3.6: "MUST use
   * that value in key material computation") */
  if (rand == NULL) {
    with_rand = mky_csb_new (hdr->csb_id);
    mky_bytes_set (&with_rand->rand, ini->rand.data, ini->rand.len);
  }
  csb = mky_exchange_apply (with_rand, msg, keys);
  csb->csb_id = csb_id;
  if (!mky_csb_check (csb, cfg->compat, error)) {
    mky_csb_unref (csb);
    return NULL;
  }
  initiator_forget (ini);
  if (responder)
    *responder = g_steal_pointer (&peer);
  return csb;
}

/* ---- Responder ---- */

/* A message remembered by its digest: the answer it got, or its refusal */
typedef struct {
  guint8 digest[DIGEST_LEN];
  gint64 at;
  guint repeats;
  GBytes *answer;
  GQuark domain;
  gint code;
  char *message;
} Remembered;

typedef struct {
  GHashTable *entries;          /* Remembered, by digest; owned by order */
  GQueue order;                 /* oldest first */
  guint max;
} Memory;

static guint
remembered_hash (gconstpointer p)
{
  guint h;
  memcpy (&h, ((const Remembered *) p)->digest, sizeof h);
  return h;
}

static gboolean
remembered_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (((const Remembered *) a)->digest,
      ((const Remembered *) b)->digest, DIGEST_LEN) == 0;
}

static void
remembered_free (Remembered *e)
{
  g_clear_pointer (&e->answer, g_bytes_unref);
  g_free (e->message);
  g_free (e);
}

static void
memory_init (Memory *m, guint max)
{
  m->entries = g_hash_table_new (remembered_hash, remembered_equal);
  g_queue_init (&m->order);
  m->max = MAX (max, 1);
}

static void
memory_clear (Memory *m)
{
  g_hash_table_unref (m->entries);
  g_queue_clear_full (&m->order, (GDestroyNotify) remembered_free);
}

static Remembered *
memory_lookup (Memory *m, const guint8 *digest)
{
  Remembered key;
  memcpy (key.digest, digest, DIGEST_LEN);
  return g_hash_table_lookup (m->entries, &key);
}

/* A new entry for @digest (replacing one there), the oldest leaving when
 * full */
static Remembered *
memory_put (Memory *m, const guint8 *digest, gint64 now_us)
{
  Remembered *e = memory_lookup (m, digest);

  if (e) {
    g_hash_table_remove (m->entries, e);
    g_queue_remove (&m->order, e);
    remembered_free (e);
  }
  while (g_hash_table_size (m->entries) >= m->max) {
    Remembered *old = g_queue_pop_head (&m->order);
    g_hash_table_remove (m->entries, old);
    remembered_free (old);
  }
  e = g_new0 (Remembered, 1);
  memcpy (e->digest, digest, DIGEST_LEN);
  e->at = now_us;
  g_hash_table_add (m->entries, e);
  g_queue_push_tail (&m->order, e);
  return e;
}

struct _MkyRsaRResponder {
  MkyConfig cfg;
  MkyReplayCache *replay;
  MkyCsb *group;
  GArray *policies;             /* MkySrtpPolicy, preferred first */
  GArray *streams;              /* MkyCsSrtp we originate (unicast) */
  MkyCsb *keys;                 /* unicast: the keys and streams we give */
  gint64 window;
  guint max_repeats;
  Memory answers, refusals;
  MkyRsaRStats stats;
};

MkyRsaRResponder *
mky_rsa_r_responder_new (const MkyConfig *cfg, gint64 now_us,
    gboolean state_lost)
{
  MkyRsaRResponder *r = g_new0 (MkyRsaRResponder, 1);
  guint max = MIN (MAX (cfg->replay_capacity, 1), MEMORY_MAX);

  mky_config_copy (&r->cfg, cfg);
  r->replay = mky_replay_cache_new (cfg->replay_capacity, cfg->skew_us,
      now_us, state_lost);
  r->policies = g_array_new (FALSE, FALSE, sizeof (MkySrtpPolicy));
  r->streams = g_array_new (FALSE, FALSE, sizeof (MkyCsSrtp));
  r->window = 10 * G_USEC_PER_SEC;
  r->max_repeats = MKY_RSA_R_MAX_REPEATS;
  memory_init (&r->answers, max);
  memory_init (&r->refusals, max);
  return r;
}

void
mky_rsa_r_responder_free (MkyRsaRResponder *r)
{
  if (r == NULL)
    return;
  mky_config_clear (&r->cfg);
  mky_replay_cache_free (r->replay);
  g_clear_pointer (&r->group, mky_csb_unref);
  g_clear_pointer (&r->keys, mky_csb_unref);
  g_array_unref (r->policies);
  g_array_unref (r->streams);
  memory_clear (&r->answers);
  memory_clear (&r->refusals);
  g_free (r);
}

const MkyReplayCache *
mky_rsa_r_responder_get_replay_cache (MkyRsaRResponder *r)
{
  return r->replay;
}

void
mky_rsa_r_responder_get_stats (MkyRsaRResponder *r, MkyRsaRStats *out)
{
  *out = r->stats;
}

static gboolean
check_group (const MkyCsb *group, MkySpCompat compat, GError **error)
{
  if (group->rand.len == 0 || group->prf > MKY_PRF_HMAC_SHA_256) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "a group bundle needs a RAND and a known PRF");
    return FALSE;
  }
  if (group->policies->len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "a group bundle needs an SP (RFC 4738 §3.2)");
    return FALSE;
  }
  return mky_csb_check (group, compat, error);
}

gboolean
mky_rsa_r_responder_set_group (MkyRsaRResponder *r, MkyCsb *group,
    GError **error)
{
  if (group && !check_group (group, r->cfg.compat, error))
    return FALSE;
  g_clear_pointer (&r->group, mky_csb_unref);
  if (group)
    r->group = mky_csb_ref (group);
  return TRUE;
}

gboolean
mky_rsa_r_responder_set_unicast_keys (MkyRsaRResponder *r, MkyCsb *keys,
    GError **error)
{
  if (keys && (keys->cs->len == 0 || keys->keys->len == 0)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "unicast keys need a CS map and Key data");
    return FALSE;
  }
  if (keys && !mky_csb_check (keys, r->cfg.compat, error))
    return FALSE;
  g_clear_pointer (&r->keys, mky_csb_unref);
  if (keys)
    r->keys = mky_csb_ref (keys);
  return TRUE;
}

void
mky_rsa_r_responder_add_policy (MkyRsaRResponder *r,
    const MkySrtpPolicy *policy)
{
  g_array_append_val (r->policies, *policy);
}

void
mky_rsa_r_responder_add_stream (MkyRsaRResponder *r, guint32 ssrc,
    guint32 roc)
{
  MkyCsSrtp cs = { 0, ssrc, roc };
  g_array_append_val (r->streams, cs);
}

void
mky_rsa_r_responder_set_retransmit (MkyRsaRResponder *r, gint64 window_us,
    guint max_repeats)
{
  r->window = window_us;
  r->max_repeats = max_repeats;
}

/* Payloads an I_MESSAGE may carry (RFC 4738 §3.1, §3.2), and General
 * Extensions (RFC 4567 SDP IDs...). What does not fit cannot be
 * "correctly parsed" (§3.5). */
static gboolean
check_i_message (const MkyMessage *msg, GError **error)
{
  const MkyPayload *last = msg->payloads->len
      ? msg->payloads->pdata[msg->payloads->len - 1] : NULL;

  for (guint i = 0; i < msg->payloads->len; i++) {
    guint type = ((const MkyPayload *) msg->payloads->pdata[i])->type;
    switch (type) {
      case MKY_PT_T: case MKY_PT_RAND: case MKY_PT_ID: case MKY_PT_CERT:
      case MKY_PT_SP: case MKY_PT_GEN_EXT: case MKY_PT_SIGN:
        break;
      default:
        g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
            "%s payload in an RSA-R I_MESSAGE", mky_payload_type_name (type));
        return FALSE;
    }
  }
  if (last == NULL || last->type != MKY_PT_SIGN) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "an RSA-R I_MESSAGE ends with SIGNi");
    return FALSE;
  }
  if (mky_message_find (msg, MKY_PT_T, 0) == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD, "no T payload");
    return FALSE;
  }
  if (mky_message_count (msg, MKY_PT_ID) > 2) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "more than two ID payloads");
    return FALSE;
  }
  return TRUE;
}

/* Our preferred policy, NULL if we have none */
static const MkySrtpPolicy *
first_policy (MkyRsaRResponder *r)
{
  return r->policies->len ? &g_array_index (r->policies, MkySrtpPolicy, 0)
      : NULL;
}

/* The SP we say we support in an "Invalid SPpar" error (RFC 3830 §5.1.1) */
static MkyPayload *
supported_sp (MkyRsaRResponder *r)
{
  if (r->group)
    return mky_payload_copy (r->group->policies->pdata[0]);
  return mky_exchange_sp_payload (first_policy (r));
}

/* The first offered policy we accept (RFC 4738 §3.5: "one of the proposed
 * security policies that matches the Responder's local policy") */
static const MkyPayload *
choose_sp (MkyRsaRResponder *r, const MkyMessage *msg)
{
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    MkySrtpPolicy pol;
    if (p->type != MKY_PT_SP || p->u.sp.prot_type != MKY_PROT_SRTP
        || !mky_srtp_policy_from_sp (&p->u.sp, r->cfg.compat, &pol, NULL))
      continue;
    if (r->policies->len == 0)
      return p;
    for (guint k = 0; k < r->policies->len; k++)
      if (policy_equal (&pol, &g_array_index (r->policies, MkySrtpPolicy, k)))
        return p;
  }
  return NULL;
}

static gboolean
ssrc_used (const MkyCsb *csb, guint32 ssrc)
{
  for (guint i = 0; i < csb->cs->len; i++)
    if (((MkyCsSrtp *) csb->cs->pdata[i])->ssrc == ssrc)
      return TRUE;
  return FALSE;
}

static void
add_cs_drawing (MkyCsb *csb, guint8 policy_no, guint32 ssrc, guint32 roc)
{
  /* RFC 3830 §6.1.1: an SSRC the sender left 0 is the Responder's to fill */
  if (ssrc == 0)
    do
      gnutls_rnd (GNUTLS_RND_NONCE, &ssrc, sizeof ssrc);
    while (ssrc == 0 || ssrc_used (csb, ssrc));
  mky_csb_add_cs (csb, policy_no, ssrc, roc);
}

/* A unicast bundle for request @msg: its CSB ID and PRF, its RAND or a
 * new one, its map (then our streams) under the chosen policy, a new TGK;
 * or, with keys set, their streams and Key data */
static MkyCsb *
unicast_bundle (MkyRsaRResponder *r, const MkyMessage *msg,
    const MkyPayload *chosen)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *rand = mky_message_find (msg, MKY_PT_RAND, 0);
  MkyCsb *csb = mky_csb_new (hdr->csb_id);
  guint8 policy_no = chosen ? chosen->u.sp.policy_no : 0;

  csb->prf = hdr->prf;
  csb->t = mky_message_find (msg, MKY_PT_T, 0)->u.t;
  if (rand)
    mky_bytes_set (&csb->rand, rand->u.rand.rand.data, rand->u.rand.rand.len);
  else
    mky_exchange_new_rand (&csb->rand);
  if (chosen)
    mky_csb_take_policy (csb, mky_payload_copy (chosen));
  else if (r->policies->len)
    mky_csb_take_policy (csb, mky_exchange_sp_payload (first_policy (r)));
  if (r->keys) {
    /* the caller's SSRC 0 entries stay 0: its receivers bind them */
    for (guint i = 0; i < r->keys->cs->len; i++) {
      const MkyCsSrtp *cs = r->keys->cs->pdata[i];
      mky_csb_add_cs (csb, policy_no, cs->ssrc, cs->roc);
    }
    for (guint i = 0; i < r->keys->keys->len; i++)
      mky_csb_take_key (csb, mky_payload_copy (r->keys->keys->pdata[i]));
    return csb;
  }
  if (hdr->map_type == MKY_MAP_SRTP_ID && hdr->cs_srtp)
    for (guint i = 0; i < hdr->cs_srtp->len; i++) {
      const MkyCsSrtp *cs = hdr->cs_srtp->pdata[i];
      add_cs_drawing (csb, policy_no, cs->ssrc, cs->roc);
    }
  for (guint i = 0; i < r->streams->len; i++) {
    const MkyCsSrtp *cs = &g_array_index (r->streams, MkyCsSrtp, i);
    add_cs_drawing (csb, policy_no, cs->ssrc, cs->roc);
  }
  mky_csb_add_key (csb, MKY_KD_TGK, NULL, TGK_LEN, NULL, 0, NULL, 0);
  return csb;
}

/* AES-KW-128 wraps whole 8-byte blocks and RFC 3830 defines no padding:
 * lengthen the TGK so that IDr || TGK fills them */
static void
fit_key_wrap (MkyRsaRResponder *r, MkyCsb *csb)
{
  MkyIdType id_type;
  const char *id = mky_exchange_own_identity (&r->cfg, r->cfg.id_r, &id_type);
  GByteArray *plain;
  gsize pad;

  if (r->cfg.encr_alg != MKY_ENCR_AES_KW_128 || id == NULL || r->keys)
    return;
  plain = mky_exchange_kemac_plain (id_type, id, csb->keys, NULL);
  pad = plain ? (8 - plain->len % 8) % 8 : 0;
  mky_secure_array_free (plain);
  if (pad) {
    mky_csb_clear_keys (csb);
    mky_csb_add_key (csb, MKY_KD_TGK, NULL, TGK_LEN + pad, NULL, 0, NULL, 0);
  }
}

/* The R_MESSAGE keying @csb for request @req, its envelope key encrypted
 * to @enc (the Initiator's encryption certificate) */
static GBytes *
build_answer (MkyRsaRResponder *r, const MkyMessage *req,
    const MkyBytes *idi, MkyCsb *csb, MkyPeer *enc, GError **error)
{
  const MkyConfig *cfg = &r->cfg;
  const MkyHdr *rh = mky_message_hdr (req);
  const MkyT *t = &mky_message_find (req, MKY_PT_T, 0)->u.t;
  gboolean group = r->group != NULL;
  gboolean send_rand = group || !mky_message_find (req, MKY_PT_RAND, 0);
  g_autoptr (MkyMessage) msg = mky_exchange_message_new (MKY_TYPE_RSA_R_RESP,
      rh->csb_id, csb->prf, csb->cs, t, send_rand ? &csb->rand : NULL);
  g_autoptr (GByteArray) extra = NULL;
  g_autoptr (GBytes) raw = NULL;
  GByteArray *plain = NULL;
  MkyPayload *p, *kemac, *pke;
  MkyIdType id_type;
  const char *id = mky_exchange_own_identity (cfg, cfg->id_r, &id_type);
  guint8 env[ENV_KEY_LEN];
  MkyMsgKeys keys;
  GBytes *out = NULL;

  if (id == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no identity of ours for IDr (set id_r or use a certificate with a "
        "name)");
    return NULL;
  }
  if (group) {
    /* before T (RFC 4738 §3.6) */
    guint8 be[4] = { csb->csb_id >> 24, csb->csb_id >> 16, csb->csb_id >> 8,
      csb->csb_id };
    p = mky_payload_new (MKY_PT_GEN_EXT);
    p->u.gen_ext.type = MKY_GEN_CSB_ID;
    mky_bytes_set (&p->u.gen_ext.data, be, 4);
    mky_message_insert (msg, 0, p);
  }
  mky_exchange_add_id (msg, id_type, id);
  mky_exchange_add_certs (msg, cfg->credentials, cfg->cert_url);
  mky_exchange_add_policies (msg, csb->policies);
  kemac = mky_message_add (msg, MKY_PT_KEMAC);
  pke = mky_message_add (msg, MKY_PT_PKE);
  pke->u.pke.c = MKY_PKE_NO_CACHE;

  /* encr_key and auth_key from a fresh envelope key (RFC 3830 §4.1.4),
   * with the CSB ID and RAND the bundle's keys use */
  gnutls_rnd (GNUTLS_RND_KEY, env, sizeof env);
  if (!mky_msg_keys_derive (&keys, csb->prf, cfg->encr_alg, cfg->mac_alg,
          env, sizeof env, csb->csb_id, csb->rand.data, csb->rand.len, error))
    goto out;
  plain = mky_exchange_kemac_plain (id_type, id, csb->keys, error);
  if (plain == NULL
      || !mky_kemac_seal_data (&kemac->u.kemac, &keys, csb->csb_id,
          mky_t_value64 (t), plain, error)
      || !mky_peer_encrypt (enc, MKY_PKE_ENCR_RSA_PKCS1, env, sizeof env,
          &pke->u.pke.data, error))
    goto out;
  raw = mky_message_serialize (msg, error);
  if (raw == NULL)
    goto out;
  mky_exchange_kemac_mac (&keys, msg, kemac);

  /* SIGNr over R_MESSAGE || IDi || IDr || T, as transported */
  extra = mky_exchange_verify_extra (idi, mky_exchange_id (msg, 0), t);
  out = mky_message_seal_sign (msg, cfg->credentials, cfg->sign_type,
      extra->data, extra->len, error);
out:
  explicit_bzero (env, sizeof env);
  mky_msg_keys_clear (&keys);
  mky_secure_array_free (plain);
  return out;
}

/* An Error message (RFC 3830 §5.1.2) echoing @t; signed by us once the
 * request is authenticated (trailer IDi || T: an Error message carries no
 * IDr) */
static GBytes *
error_reply (MkyRsaRResponder *r, const MkyHdr *hdr, const MkyT *t,
    MkyErrNo err_no, const MkyPayload *offer, gboolean authentic,
    const MkyBytes *idi)
{
  GBytes *plain = mky_exchange_error (hdr, t, err_no, offer, NULL, NULL, NULL);
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (GByteArray) extra = NULL;
  GBytes *sealed;

  if (!authentic || plain == NULL)
    return plain;
  msg = mky_message_parse_bytes (plain, NULL);
  g_bytes_unref (plain);
  if (msg == NULL)
    return NULL;
  extra = mky_exchange_verify_extra (idi, NULL, t);
  sealed = mky_message_seal_sign (msg, r->cfg.credentials, r->cfg.sign_type,
      extra->data, extra->len, NULL);
  return sealed;
}

/* "Unsupported message type" (RFC 4738 §3.5) for bytes that are no
 * I_MESSAGE: the CSB ID if there is one to echo, our own time */
static GBytes *
unparsable_reply (GBytes *message, const MkyMessage *msg, MkyErrNo err_no,
    gint64 now_us)
{
  MkyHdr hdr = { 0 };
  const MkyPayload *tp = msg ? mky_message_find (msg, MKY_PT_T, 0) : NULL;
  MkyT t;
  gsize len;
  const guint8 *data = g_bytes_get_data (message, &len);

  if (msg)
    hdr = *mky_message_hdr (msg);
  else if (len >= 8)
    hdr.csb_id = (guint32) data[4] << 24 | data[5] << 16 | data[6] << 8
        | data[7];
  if (tp)
    t = tp->u.t;
  else if (!mky_t_set_time (&t, MKY_TS_NTP_UTC, now_us, NULL))
    return NULL;
  return mky_exchange_error (&hdr, &t, err_no, NULL, NULL, NULL, NULL);
}

/* Certificate and SIGNi: the Initiator's signing peer. Its refusals are
 * the ones remembered. */
static MkyPeer *
authenticate (MkyRsaRResponder *r, const MkyMessage *msg, GPtrArray *certs,
    MkyIdType id_type, const char *claimed, gint64 now_us, GError **error)
{
  MkyPeer *peer;

  if (certs->len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "no CERTi: no other source of the Initiator's certificate");
    return NULL;
  }
  if (r->cfg.trust == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "no trust anchors configured");
    return NULL;
  }
  peer = mky_trust_verify (r->cfg.trust, certs, id_type, claimed,
      MKY_KEY_USAGE_SIGN, now_us, error);
  if (peer == NULL)
    return NULL;
  r->stats.signature_checks++;
  if (!mky_message_verify_sign (msg, peer, NULL, 0, error)) {
    mky_peer_unref (peer);
    return NULL;
  }
  return peer;
}

static gboolean
remember_refusal (const GError *error)
{
  /* a failed fetch may succeed later; the rest would fail the same way */
  return error->domain == MKY_ERROR && error->code != MKY_ERROR_CERT_FETCH
      && error->code != MKY_ERROR_INVALID_ARGUMENT;
}

MkyCsb *
mky_rsa_r_responder_handle (MkyRsaRResponder *r, GBytes *message,
    gint64 now_us, GBytes **reply, MkyPeer **initiator, GError **error)
{
  const MkyConfig *cfg = &r->cfg;
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (MkyPeer) peer = NULL;
  g_autoptr (MkyPeer) enc = NULL;
  g_autoptr (MkyPayload) offer = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  g_autofree char *claimed = NULL;
  const MkyHdr *hdr;
  const MkyT *t;
  const MkyPayload *idi_p;
  const MkyBytes *idi;
  MkyIdType idi_type;
  MkyReplayTicket ticket;
  Remembered *seen;
  GError *local = NULL;

  *reply = NULL;
  if (initiator)
    *initiator = NULL;
  r->stats.requests++;

  /* structure: what cannot be parsed gets "Unsupported message type" */
  msg = mky_message_parse_bytes (message, &local);
  if (msg == NULL) {
    *reply = unparsable_reply (message, NULL, MKY_ERR_UNSUPPORTED_MESSAGE,
        now_us);
    g_propagate_error (error, local);
    return NULL;
  }
  hdr = mky_message_hdr (msg);
  if (!mky_exchange_check_data_type (hdr, MKY_TYPE_RSA_R_INIT,
          "an RSA-R I_MESSAGE", error)) {
    *reply = unparsable_reply (message, msg, MKY_ERR_INVALID_DT, now_us);
    return NULL;
  }
  if (!check_i_message (msg, error)) {
    *reply = unparsable_reply (message, msg, MKY_ERR_UNSUPPORTED_MESSAGE,
        now_us);
    return NULL;
  }
  t = &mky_message_find (msg, MKY_PT_T, 0)->u.t;
  idi_p = i_message_idi (msg);
  idi = idi_p ? &idi_p->u.id.data : NULL;
  idi_type = idi_p ? idi_p->u.id.type : MKY_ID_URI;

  /* time and replay before any signature (RFC 3830 §5.3, §5.4) */
  if (!mky_replay_cache_check (r->replay, msg, now_us, &ticket, &local)) {
    if (g_error_matches (local, MKY_ERROR, MKY_ERROR_REPLAY)) {
      guint8 digest[DIGEST_LEN];
      gsize len;
      const guint8 *data = g_bytes_get_data (message, &len);
      gnutls_hash_fast (GNUTLS_DIG_SHA1, data, len, digest);
      seen = memory_lookup (&r->answers, digest);
      /* our answer was lost: the same bytes again, nothing new */
      if (seen && now_us - seen->at <= r->window
          && seen->repeats < r->max_repeats) {
        seen->repeats++;
        r->stats.repeated++;
        *reply = g_bytes_ref (seen->answer);
        g_prefix_error (&local, "retransmission, answer repeated: ");
      }
    }
    g_propagate_error (error, local);
    return NULL;
  }
  seen = memory_lookup (&r->refusals, ticket.digest);
  if (seen) {
    r->stats.refused_cached++;
    g_set_error (error, seen->domain, seen->code, "refused before: %s",
        seen->message);
    return NULL;
  }

  /* authentication: certificate chain bound to IDi, then SIGNi */
  certs = mky_exchange_certs (msg);
  if (id_string (idi, &claimed, &local))
    peer = authenticate (r, msg, certs, idi_type, claimed, now_us, &local);
  if (peer == NULL) {
    if (remember_refusal (local)) {
      Remembered *e = memory_put (&r->refusals, ticket.digest, now_us);
      e->domain = local->domain;
      e->code = local->code;
      e->message = g_strdup (local->message);
    }
    /* after an authentication failure the answer is not authenticated */
    *reply = error_reply (r, hdr, t, mky_error_to_err_no (local), NULL, FALSE,
        NULL);
    g_propagate_error (error, local);
    return NULL;
  }
  /* only authenticated messages enter the replay cache (RFC 3830 §5.3) */
  mky_replay_cache_add (r->replay, &ticket, now_us);

  /* contents; refusals from here on are signed */
  if (cfg->id_i && (!mky_exchange_id_matches (cfg->id_i, idi)
          || !mky_peer_check_id (peer, cfg->id_type, cfg->id_i, &local))) {
    if (local == NULL)
      g_set_error (&local, MKY_ERROR, MKY_ERROR_BAD_ID,
          "IDi is not the Initiator configured");
    goto refuse;
  }
  /* the envelope key goes to the Initiator's encryption certificate: the
   * one just verified, unless the chain names a separate one */
  if (has_encr_cert (certs))
    enc = mky_trust_verify (cfg->trust, certs, idi_type, claimed,
        MKY_KEY_USAGE_ENCRYPT, now_us, &local);
  else if (mky_peer_check_usage (peer, MKY_KEY_USAGE_ENCRYPT, &local))
    enc = mky_peer_ref (peer);
  if (enc == NULL)
    goto refuse;

  if (r->group) {
    /* §3.2: members MUST NOT send SP, the group's policy is not theirs to
     * choose */
    if (mky_message_find (msg, MKY_PT_SP, 0)) {
      g_set_error (&local, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
          "SP in a group member's request (RFC 4738 §3.2)");
      offer = supported_sp (r);
      goto refuse;
    }
    if (!check_group (r->group, cfg->compat, &local))
      goto refuse;
    csb = mky_csb_ref (r->group);
  } else {
    const MkyPayload *chosen = NULL;
    if (!mky_exchange_check_prf (hdr, &local))
      goto refuse;
    if (r->keys && hdr->map_type == MKY_MAP_SRTP_ID && hdr->cs_srtp
        && hdr->cs_srtp->len) {
      g_set_error (&local, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "the request has streams of its own to key; this Responder gives "
          "only the keys of its streams");
      goto refuse;
    }
    if (mky_message_find (msg, MKY_PT_SP, 0)) {
      chosen = choose_sp (r, msg);
      if (chosen == NULL) {
        g_set_error (&local, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
            "no offered security policy is acceptable");
        offer = supported_sp (r);
        goto refuse;
      }
    }
    csb = unicast_bundle (r, msg, chosen);
    fit_key_wrap (r, csb);
    if (!mky_csb_check (csb, cfg->compat, &local))
      goto refuse;
  }

  *reply = build_answer (r, msg, idi, csb, enc, &local);
  if (*reply == NULL)
    goto refuse;
  seen = memory_put (&r->answers, ticket.digest, now_us);
  seen->answer = g_bytes_ref (*reply);
  r->stats.answered++;
  if (initiator)
    *initiator = g_steal_pointer (&peer);
  return g_steal_pointer (&csb);

refuse:
  *reply = error_reply (r, hdr, t, mky_error_to_err_no (local), offer, TRUE,
      idi);
  g_propagate_error (error, local);
  return NULL;
}

/* ---- group state ---- */

MkyCsb *
mky_rsa_r_group_new (guint32 csb_id, MkyPrf prf)
{
  MkyCsb *group = mky_csb_new (csb_id);
  group->prf = prf;
  mky_exchange_new_rand (&group->rand);
  return group;
}

static void
mki_bytes (guint32 mki, guint8 out[4])
{
  out[0] = mki >> 24;
  out[1] = mki >> 16;
  out[2] = mki >> 8;
  out[3] = mki;
}

MkyKeyData *
mky_rsa_r_group_add_tgk (MkyCsb *group, const guint8 *tgk, gsize tgk_len,
    guint32 mki)
{
  guint8 be[4];
  mki_bytes (mki, be);
  return mky_csb_add_key (group, MKY_KD_TGK, tgk, tgk_len, NULL, 0, be, 4);
}

gboolean
mky_rsa_r_group_retire (MkyCsb *group, guint32 mki)
{
  guint8 be[4];
  mki_bytes (mki, be);
  for (guint i = 0; i < group->keys->len; i++) {
    const MkyKeyData *kd = &((MkyPayload *) group->keys->pdata[i])->u.key_data;
    if (kd->kv.kv == MKY_KV_SPI && kd->kv.spi.len == 4
        && memcmp (kd->kv.spi.data, be, 4) == 0) {
      /* Key data payloads are wiped when freed */
      mky_csb_remove_key (group, i);
      return TRUE;
    }
  }
  return FALSE;
}
