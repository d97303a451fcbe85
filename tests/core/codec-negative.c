/* Negative codec tests: malformed input is refused with its specific error
 * code, serialize refuses structs that do not fit the wire, and no
 * truncation or single-byte mutation of a valid message crashes the parser
 * or parses to anything but a message that serializes back to the input. */
#include <string.h>
#include <mky/mky.h>
#include "test-util.h"
#include "test-vectors.h"
#include "samples.h"

/* ---- valid messages to start from ---- */

typedef enum {
  BASE_RFC_INIT,                /* RFC 4567 §5.1 PSK I_MESSAGE, 132 bytes */
  BASE_RFC_RESP,                /* RFC 4567 §5.1 verification message */
  BASE_PSK,                     /* sample_psk(): SP with parameters */
  BASE_ALL,                     /* sample_all(): every payload type */
  N_BASES
} Base;

static const char *const base_names[] = { "rfc4567-init", "rfc4567-resp",
  "psk", "all" };

/* The message with its wire form and payload offsets set. */
static MkyMessage *
base_message (Base base)
{
  g_autoptr (GError) error = NULL;
  MkyMessage *msg = NULL;

  switch (base) {
    case BASE_RFC_INIT:
    case BASE_RFC_RESP:
      msg = test_parse_b64 (base == BASE_RFC_INIT ? TEST_RFC4567_INIT_B64
          : TEST_RFC4567_RESP_B64);
      break;
    case BASE_PSK:
      msg = sample_psk ();
      break;
    default:
      msg = sample_all ();
      break;
  }
  if (msg && mky_message_get_wire (msg, &(gsize) { 0 }) == NULL)
    g_bytes_unref (mky_message_serialize (msg, &error));
  g_assert_no_error (error);
  return msg;
}

/* ---- malformed input, each refused with its own code ---- */

#define AT_END G_MAXSIZE

typedef struct {
  const char *name;
  Base base;
  guint type;                   /* payload the edit is in; MKY_PT_HDR too */
  gsize at;                     /* offset in that payload, or AT_END */
  const char *hex;              /* bytes written there (may extend) */
  MkyErrorCode code;
} BadCase;

/* Offsets are from RFC 3830 §6 / DIGEST §2; sample contents from
 * samples.h (e.g. the DH KV byte follows its 96-byte OAKLEY 1 value). */
static const BadCase bad_cases[] = {
  /* HDR */
  {"version-0", BASE_RFC_INIT, MKY_PT_HDR, 0, "00", MKY_ERROR_BAD_VERSION},
  {"version-2", BASE_RFC_INIT, MKY_PT_HDR, 0, "02", MKY_ERROR_BAD_VERSION},
  {"version-255", BASE_ALL, MKY_PT_HDR, 0, "ff", MKY_ERROR_BAD_VERSION},
  {"map-type-3", BASE_RFC_INIT, MKY_PT_HDR, 9, "03",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"map-type-255", BASE_ALL, MKY_PT_HDR, 9, "ff", MKY_ERROR_UNSUPPORTED_VALUE},
  /* 255 SRTP-ID entries are 2295 bytes; the message has 132 */
  {"n-cs-255", BASE_RFC_INIT, MKY_PT_HDR, 8, "ff", MKY_ERROR_TRUNCATED},
  {"n-cs-255-generic", BASE_ALL, MKY_PT_HDR, 8, "ff", MKY_ERROR_TRUNCATED},
  {"generic-session-data-len", BASE_ALL, MKY_PT_HDR, 14, "ffff",
      MKY_ERROR_TRUNCATED},
  /* next payload values no RFC assigns */
  {"next-18", BASE_RFC_INIT, MKY_PT_HDR, 2, "12", MKY_ERROR_UNKNOWN_PAYLOAD},
  {"next-19", BASE_RFC_INIT, MKY_PT_HDR, 2, "13", MKY_ERROR_UNKNOWN_PAYLOAD},
  {"next-27", BASE_RFC_INIT, MKY_PT_HDR, 2, "1b", MKY_ERROR_UNKNOWN_PAYLOAD},
  {"next-255", BASE_RFC_INIT, MKY_PT_HDR, 2, "ff", MKY_ERROR_UNKNOWN_PAYLOAD},
  {"t-next-18", BASE_RFC_INIT, MKY_PT_T, 0, "12", MKY_ERROR_UNKNOWN_PAYLOAD},
  {"esk-next-19", BASE_ALL, MKY_PT_ESK, 0, "13", MKY_ERROR_UNKNOWN_PAYLOAD},
  {"kemac-next-255", BASE_RFC_INIT, MKY_PT_KEMAC, 0, "ff",
      MKY_ERROR_UNKNOWN_PAYLOAD},
  /* nothing after the last payload */
  {"hdr-next-last", BASE_RFC_INIT, MKY_PT_HDR, 2, "00",
      MKY_ERROR_TRAILING_DATA},
  {"trailing-byte", BASE_RFC_INIT, MKY_PT_KEMAC, AT_END, "00",
      MKY_ERROR_TRAILING_DATA},
  {"trailing-err-payload", BASE_RFC_INIT, MKY_PT_KEMAC, AT_END, "000c0000",
      MKY_ERROR_TRAILING_DATA},
  {"trailing-after-v", BASE_RFC_RESP, MKY_PT_V, AT_END, "ff",
      MKY_ERROR_TRAILING_DATA},
  {"bytes-after-sign", BASE_ALL, MKY_PT_SIGN, AT_END, "00",
      MKY_ERROR_TRAILING_DATA},
  /* SIGN has no next payload: a short signature length leaves bytes over */
  {"sign-len-short", BASE_ALL, MKY_PT_SIGN, 0, "200f",
      MKY_ERROR_TRAILING_DATA},
  {"sign-len-4095", BASE_ALL, MKY_PT_SIGN, 0, "2fff", MKY_ERROR_TRUNCATED},
  /* values that decide a layout */
  {"ts-type-4", BASE_RFC_INIT, MKY_PT_T, 1, "04", MKY_ERROR_UNSUPPORTED_VALUE},
  {"tr-ts-type-255", BASE_ALL, MKY_PT_TR, 2, "ff",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"kemac-mac-alg-3", BASE_RFC_INIT, MKY_PT_KEMAC, 40, "03",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"v-auth-alg-3", BASE_RFC_RESP, MKY_PT_V, 1, "03",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"dh-group-3", BASE_ALL, MKY_PT_DH, 1, "03", MKY_ERROR_UNSUPPORTED_VALUE},
  {"dh-kv-3", BASE_ALL, MKY_PT_DH, 98, "03", MKY_ERROR_UNSUPPORTED_VALUE},
  {"chash-func-3", BASE_ALL, MKY_PT_CHASH, 1, "03",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"eccpt-curve-0", BASE_ALL, MKY_PT_ECCPT, 1, "00",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"eccpt-curve-17", BASE_ALL, MKY_PT_ECCPT, 1, "11",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"eccpt-kv-15", BASE_ALL, MKY_PT_ECCPT, 71, "0f",
      MKY_ERROR_UNSUPPORTED_VALUE},
  {"sk-kv-3", BASE_ALL, MKY_PT_SK, 1, "13", MKY_ERROR_UNSUPPORTED_VALUE},
  {"key-data-kv-15", BASE_ALL, MKY_PT_KEY_DATA, 1, "1f",
      MKY_ERROR_UNSUPPORTED_VALUE},
  /* length fields reaching past the end of the message */
  {"rand-len-255", BASE_RFC_INIT, MKY_PT_RAND, 1, "ff", MKY_ERROR_TRUNCATED},
  {"id-len-65535", BASE_RFC_INIT, MKY_PT_ID, 2, "ffff", MKY_ERROR_TRUNCATED},
  {"kemac-encr-len-65535", BASE_RFC_INIT, MKY_PT_KEMAC, 2, "ffff",
      MKY_ERROR_TRUNCATED},
  /* Encr data swallowing Mac alg and MAC: nothing left for Mac alg */
  {"kemac-encr-len-57", BASE_RFC_INIT, MKY_PT_KEMAC, 2, "0039",
      MKY_ERROR_TRUNCATED},
  {"sp-param-len-65535", BASE_RFC_INIT, MKY_PT_SP, 3, "ffff",
      MKY_ERROR_TRUNCATED},
  {"pke-len-16383", BASE_ALL, MKY_PT_PKE, 1, "7fff", MKY_ERROR_TRUNCATED},
  {"gen-ext-len-65535", BASE_ALL, MKY_PT_GEN_EXT, 2, "ffff",
      MKY_ERROR_TRUNCATED},
  {"idr-len-65535", BASE_ALL, MKY_PT_IDR, 3, "ffff", MKY_ERROR_TRUNCATED},
  {"cert-len-65535", BASE_ALL, MKY_PT_CERT, 2, "ffff", MKY_ERROR_TRUNCATED},
  {"tp-data-len-65535", BASE_ALL, MKY_PT_TP, 8, "ffff", MKY_ERROR_TRUNCATED},
  {"ticket-data-len-65535", BASE_ALL, MKY_PT_TICKET, 13, "ffff",
      MKY_ERROR_TRUNCATED},
  {"ibake-len-65535", BASE_ALL, MKY_PT_IBAKE, 1, "ffff", MKY_ERROR_TRUNCATED},
  {"key-data-len-65535", BASE_ALL, MKY_PT_KEY_DATA, 2, "ffff",
      MKY_ERROR_TRUNCATED},
  {"salt-len-65535", BASE_ALL, MKY_PT_KEY_DATA, 20, "ffff",
      MKY_ERROR_TRUNCATED},
  {"sakke-len-65535", BASE_ALL, MKY_PT_SAKKE, 3, "ffff", MKY_ERROR_TRUNCATED},
  /* SP parameters overrunning the Policy param length (RFC 3830 §6.10) */
  {"sp-policy-len-1", BASE_RFC_INIT, MKY_PT_SP, 3, "0001",
      MKY_ERROR_BAD_LENGTH},
  {"sp-policy-len-7", BASE_PSK, MKY_PT_SP, 3, "0007", MKY_ERROR_BAD_LENGTH},
  {"sp-policy-len-5", BASE_PSK, MKY_PT_SP, 3, "0005", MKY_ERROR_BAD_LENGTH},
  {"sp-param-len-5", BASE_PSK, MKY_PT_SP, 6, "05", MKY_ERROR_BAD_LENGTH},
};

static GBytes *
bad_input (const BadCase *c)
{
  g_autoptr (MkyMessage) msg = base_message (c->base);
  g_autoptr (GBytes) patch = test_hex (c->hex);
  const MkyPayload *p = c->type == MKY_PT_HDR ? msg->hdr
      : mky_message_find (msg, c->type, 0);
  GByteArray *out = g_byte_array_new ();
  gsize at, n;
  const guint8 *pd = g_bytes_get_data (patch, &n);
  const guint8 *raw;
  gsize raw_len;

  g_assert_nonnull (p);
  raw = mky_message_get_wire (msg, &raw_len);
  at = p->offset + (c->at == AT_END ? p->length : c->at);
  g_byte_array_append (out, raw, raw_len);
  if (at + n > out->len)
    g_byte_array_set_size (out, at + n);
  memcpy (out->data + at, pd, n);
  return g_byte_array_free_to_bytes (out);
}

static void
test_bad_input (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr (GBytes) wire = bad_input (c);
  g_autoptr (GError) error = NULL;
  MkyMessage *msg = mky_message_parse_bytes (wire, &error);

  g_assert_null (msg);
  g_assert_error (error, MKY_ERROR, (gint) c->code);
  g_test_message ("%s", error->message);
  /* callers may pass no GError at all */
  g_assert_null (mky_message_parse_bytes (wire, NULL));
}

/* ---- payloads allowed at most once per message ---- */

static const MkyPayloadType once_types[] = {
  MKY_PT_KEMAC, MKY_PT_PKE, MKY_PT_T, MKY_PT_CHASH, MKY_PT_V, MKY_PT_RAND,
  MKY_PT_TP, MKY_PT_TICKET, MKY_PT_IBAKE, MKY_PT_ESK, MKY_PT_SAKKE,
};
static const MkyPayloadType repeat_types[] = {
  MKY_PT_DH, MKY_PT_ID, MKY_PT_CERT, MKY_PT_SP, MKY_PT_ERR, MKY_PT_TR,
  MKY_PT_IDR, MKY_PT_RANDR, MKY_PT_KEY_DATA, MKY_PT_GEN_EXT, MKY_PT_SK,
  MKY_PT_ECCPT,
};

static GBytes *
twice (MkyPayloadType type)
{
  g_autoptr (MkyMessage) msg = sample_single (type);
  g_autoptr (GError) error = NULL;
  GBytes *raw;

  sample_fill (mky_message_add (msg, type));
  raw = mky_message_serialize (msg, &error);
  g_assert_no_error (error);
  return raw;
}

static void
test_duplicate (gconstpointer data)
{
  g_autoptr (GBytes) raw = twice (GPOINTER_TO_UINT (data));
  g_autoptr (GError) error = NULL;

  g_assert_null (mky_message_parse_bytes (raw, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_DUPLICATE_PAYLOAD);
}

static void
test_repeatable (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (repeat_types); i++) {
    g_autoptr (GBytes) raw = twice (repeat_types[i]);
    g_autoptr (GError) error = NULL;
    g_autoptr (MkyMessage) msg = mky_message_parse_bytes (raw, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (mky_message_count (msg, repeat_types[i]), ==, 2);
  }
}

/* ---- payload chains (KEMAC plaintext) ---- */

static void
test_chain (void)
{
  static const guint8 key_data[] = {
    0x12, 0x20, 0x00, 0x02, 0xaa, 0xbb,         /* TEK, next 18 */
  };
  g_autoptr (GError) error = NULL;

  g_assert_null (mky_payload_chain_parse (key_data, sizeof key_data, 0,
          MKY_PT_KEY_DATA, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_UNKNOWN_PAYLOAD);
  g_clear_error (&error);
  /* the header is no payload of a chain */
  g_assert_null (mky_payload_chain_parse (key_data, sizeof key_data, 0,
          MKY_PT_HDR, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_UNKNOWN_PAYLOAD);
  g_clear_error (&error);
  g_assert_null (mky_payload_chain_parse (key_data, sizeof key_data - 1, 0,
          MKY_PT_KEY_DATA, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED);
}

/* ---- every truncation of a valid message ---- */

static void
test_truncations (gconstpointer data)
{
  g_autoptr (MkyMessage) msg = base_message (GPOINTER_TO_UINT (data));
  gsize len;
  const guint8 *d = mky_message_get_wire (msg, &len);

  for (gsize n = 0; n < len; n++) {
    /* an exact-size copy, so that reading past it is caught by valgrind */
    g_autofree guint8 *copy = g_memdup2 (d, n);
    g_autoptr (GError) error = NULL;
    MkyMessage *m = mky_message_parse (copy, n, &error);

    if (m != NULL)
      g_error ("prefix of %" G_GSIZE_FORMAT " bytes parses", n);
    g_assert_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED);
  }
}

/* ---- every single-byte mutation of a valid message ---- */

static gboolean
is_parse_error (gint code)
{
  switch (code) {
    case MKY_ERROR_TRUNCATED:
    case MKY_ERROR_TRAILING_DATA:
    case MKY_ERROR_BAD_VERSION:
    case MKY_ERROR_UNKNOWN_PAYLOAD:
    case MKY_ERROR_BAD_LENGTH:
    case MKY_ERROR_UNSUPPORTED_VALUE:
    case MKY_ERROR_DUPLICATE_PAYLOAD:
      return TRUE;
    default:
      return FALSE;
  }
}

/* Parse @d: refused with a parse error, or parsed into a message that
 * serializes to exactly @d (the wire form is canonical). */
static gboolean
check_input (const guint8 *d, gsize len)
{
  g_autoptr (GError) error = NULL;

  if (test_parse_canonical (d, len, &error))
    return TRUE;
  g_assert_true (error->domain == MKY_ERROR);
  if (!is_parse_error (error->code))
    g_error ("parse failed with code %d: %s", error->code, error->message);
  return FALSE;
}

static void
test_mutations (gconstpointer data)
{
  g_autoptr (MkyMessage) msg = base_message (GPOINTER_TO_UINT (data));
  gsize len;
  const guint8 *d = mky_message_get_wire (msg, &len);
  g_autofree guint8 *copy = g_memdup2 (d, len);
  guint parsed = 0, refused = 0;

  for (gsize i = 0; i < len; i++) {
    for (guint v = 0; v < 256; v++) {
      if (v == d[i])
        continue;
      copy[i] = v;
      if (check_input (copy, len))
        parsed++;
      else
        refused++;
    }
    copy[i] = d[i];
  }
  g_test_message ("%u mutations parse, %u are refused", parsed, refused);
  /* most bytes are payload data: mutating them must still parse */
  g_assert_cmpuint (parsed, >, 0);
  g_assert_cmpuint (refused, >, 0);
}

/* ---- serialize refuses structs the wire cannot carry ---- */

static const guint8 big[65536];

static MkyPayload *
find (MkyMessage *msg, MkyPayloadType type)
{
  return mky_message_find (msg, type, 0);
}

static MkyCsGeneric *
cs0 (MkyMessage *msg)
{
  return mky_message_hdr (msg)->cs_generic->pdata[0];
}

static void
spoil_v (MkyMessage *msg)
{
  mky_message_hdr (msg)->v = 2;
}

static void
spoil_prf (MkyMessage *msg)
{
  mky_message_hdr (msg)->prf = 128;
}

static void
spoil_n_cs (MkyMessage *msg)
{
  MkyHdr *hdr = mky_message_hdr (msg);
  hdr->map_type = MKY_MAP_SRTP_ID;
  for (guint i = 0; i < 256; i++)
    mky_hdr_add_cs_srtp (hdr, 1, i, 0);
}

static void
spoil_policies (MkyMessage *msg)
{
  mky_bytes_set (&cs0 (msg)->policies, big, 128);
}

static void
spoil_session_data (MkyMessage *msg)
{
  mky_bytes_set (&cs0 (msg)->session_data, big, 65536);
}

static void
spoil_pke_c (MkyMessage *msg)
{
  find (msg, MKY_PT_PKE)->u.pke.c = 4;
}

static void
spoil_pke_data (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_PKE)->u.pke.data, big, 1 << 14);
}

static void
spoil_sign_type (MkyMessage *msg)
{
  find (msg, MKY_PT_SIGN)->u.sign.s_type = 16;
}

static void
spoil_sign_data (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_SIGN)->u.sign.signature, big, 1 << 12);
}

static void
spoil_counter (MkyMessage *msg)
{
  /* a COUNTER is 32 bits on the wire */
  find (msg, MKY_PT_T)->u.t.ts = G_GUINT64_CONSTANT (1) << 32;
}

static void
spoil_rand (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_RAND)->u.rand.rand, big, 256);
}

static void
spoil_id (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_ID)->u.id.data, big, 65536);
}

static void
spoil_sp_value (MkyMessage *msg)
{
  mky_sp_add_param (&find (msg, MKY_PT_SP)->u.sp, MKY_SP_PREFIX_LEN, big, 256);
}

static void
spoil_sp_total (MkyMessage *msg)
{
  /* each parameter fits its 8-bit length, all of them not the 16-bit one */
  for (guint i = 0; i < 258; i++)
    mky_sp_add_param (&find (msg, MKY_PT_SP)->u.sp, MKY_SP_PREFIX_LEN, big,
        253);
}

static void
spoil_key_type (MkyMessage *msg)
{
  find (msg, MKY_PT_KEY_DATA)->u.key_data.type = 16;
}

static void
spoil_kv_wide (MkyMessage *msg)
{
  find (msg, MKY_PT_KEY_DATA)->u.key_data.kv.kv = 16;
}

static void
spoil_kv_spi (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_KEY_DATA)->u.key_data.kv.spi, big, 256);
}

static void
spoil_ticket_flags (MkyMessage *msg)
{
  find (msg, MKY_PT_TICKET)->u.ticket.flags = 0x1000;
}

static void
spoil_dh_reserved (MkyMessage *msg)
{
  find (msg, MKY_PT_DH)->u.dh.reserved = 16;
}

static void
spoil_dh_value (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_DH)->u.dh.value, big, 95);
}

static void
spoil_dh_group (MkyMessage *msg)
{
  find (msg, MKY_PT_DH)->u.dh.group = 7;
}

static void
spoil_v_data (MkyMessage *msg)
{
  mky_bytes_set (&find (msg, MKY_PT_V)->u.v.ver_data, big, 20);
}

static void
spoil_eccpt_point (MkyMessage *msg)
{
  /* the unpadded 65-byte P-256 point */
  mky_bytes_set (&find (msg, MKY_PT_ECCPT)->u.eccpt.point, big, 65);
}

static void
spoil_ts_type (MkyMessage *msg)
{
  find (msg, MKY_PT_T)->u.t.ts_type = 4;
}

static void
spoil_kv_type (MkyMessage *msg)
{
  find (msg, MKY_PT_SK)->u.sk.kv.kv = 3;
}

static void
spoil_map_type (MkyMessage *msg)
{
  mky_message_hdr (msg)->map_type = 3;
}

static void
spoil_version (MkyMessage *msg)
{
  mky_message_hdr (msg)->version = 2;
}

static void
spoil_sign_not_last (MkyMessage *msg)
{
  MkyPayload *rand = mky_payload_new (MKY_PT_RAND);
  sample_fill (rand);
  mky_message_insert (msg, msg->payloads->len, rand);
}

typedef struct {
  const char *name;
  void (*spoil) (MkyMessage *msg);
  MkyErrorCode code;
} SpoilCase;

static const SpoilCase spoil_cases[] = {
  {"hdr-v", spoil_v, MKY_ERROR_TOO_LONG},
  {"hdr-prf", spoil_prf, MKY_ERROR_TOO_LONG},
  {"hdr-n-cs", spoil_n_cs, MKY_ERROR_TOO_LONG},
  {"generic-policies", spoil_policies, MKY_ERROR_TOO_LONG},
  {"generic-session-data", spoil_session_data, MKY_ERROR_TOO_LONG},
  {"pke-c", spoil_pke_c, MKY_ERROR_TOO_LONG},
  {"pke-data", spoil_pke_data, MKY_ERROR_TOO_LONG},
  {"sign-type", spoil_sign_type, MKY_ERROR_TOO_LONG},
  {"sign-data", spoil_sign_data, MKY_ERROR_TOO_LONG},
  {"t-counter", spoil_counter, MKY_ERROR_TOO_LONG},
  {"rand", spoil_rand, MKY_ERROR_TOO_LONG},
  {"id", spoil_id, MKY_ERROR_TOO_LONG},
  {"sp-value", spoil_sp_value, MKY_ERROR_TOO_LONG},
  {"sp-total", spoil_sp_total, MKY_ERROR_TOO_LONG},
  {"key-data-type", spoil_key_type, MKY_ERROR_TOO_LONG},
  {"key-data-kv", spoil_kv_wide, MKY_ERROR_TOO_LONG},
  {"kv-spi", spoil_kv_spi, MKY_ERROR_TOO_LONG},
  {"ticket-flags", spoil_ticket_flags, MKY_ERROR_TOO_LONG},
  {"dh-reserved", spoil_dh_reserved, MKY_ERROR_TOO_LONG},
  {"dh-value", spoil_dh_value, MKY_ERROR_BAD_LENGTH},
  {"dh-group", spoil_dh_group, MKY_ERROR_BAD_LENGTH},
  {"v-data", spoil_v_data, MKY_ERROR_BAD_LENGTH},
  {"eccpt-point", spoil_eccpt_point, MKY_ERROR_BAD_LENGTH},
  {"ts-type", spoil_ts_type, MKY_ERROR_UNSUPPORTED_VALUE},
  {"kv-type", spoil_kv_type, MKY_ERROR_UNSUPPORTED_VALUE},
  {"map-type", spoil_map_type, MKY_ERROR_UNSUPPORTED_VALUE},
  {"version", spoil_version, MKY_ERROR_BAD_VERSION},
  {"sign-not-last", spoil_sign_not_last, MKY_ERROR_INVALID_ARGUMENT},
};

static void
test_serialize_refuses (gconstpointer data)
{
  const SpoilCase *c = data;
  g_autoptr (MkyMessage) msg = sample_all ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;

  c->spoil (msg);
  raw = mky_message_serialize (msg, &error);
  g_assert_null (raw);
  g_assert_error (error, MKY_ERROR, (gint) c->code);
  g_test_message ("%s", error->message);
  g_assert_null (mky_message_get_wire (msg, &(gsize) { 0 }));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    g_autofree char *path = g_strconcat ("/codec-negative/parse/",
        bad_cases[i].name, NULL);
    g_test_add_data_func (path, &bad_cases[i], test_bad_input);
  }
  for (guint i = 0; i < G_N_ELEMENTS (once_types); i++) {
    g_autofree char *path = g_strdup_printf ("/codec-negative/duplicate/%s",
        mky_payload_type_name (once_types[i]));
    g_test_add_data_func (path, GUINT_TO_POINTER (once_types[i]),
        test_duplicate);
  }
  g_test_add_func ("/codec-negative/repeatable", test_repeatable);
  g_test_add_func ("/codec-negative/chain", test_chain);
  for (guint b = 0; b < N_BASES; b++) {
    g_autofree char *trunc = g_strconcat ("/codec-negative/truncations/",
        base_names[b], NULL);
    g_autofree char *mut = g_strconcat ("/codec-negative/mutations/",
        base_names[b], NULL);
    g_test_add_data_func (trunc, GUINT_TO_POINTER (b), test_truncations);
    g_test_add_data_func (mut, GUINT_TO_POINTER (b), test_mutations);
  }
  for (guint i = 0; i < G_N_ELEMENTS (spoil_cases); i++) {
    g_autofree char *path = g_strconcat ("/codec-negative/serialize/",
        spoil_cases[i].name, NULL);
    g_test_add_data_func (path, &spoil_cases[i], test_serialize_refuses);
  }
  return g_test_run ();
}
