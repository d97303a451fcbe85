/* Writes the fuzz seed corpus (committed in corpus/) into DIR:
 *   ninja -C build tests/fuzz/gen-corpus && build/tests/fuzz/gen-corpus \
 *       tests/fuzz/corpus
 * The RFC 4567 §5.1 messages, the samples of tests/common/samples.h, one
 * small message per payload type and the two KEMAC plaintext chains. */
#include <stdlib.h>
#include <mky/mky.h>
#include "test-vectors.h"
#include "samples.h"

static const char *dir;

static void
write_file (const char *name, const guint8 *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, len, &error))
    g_error ("%s", error->message);
}

static void
write_message (const char *name, MkyMessage *msg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = mky_message_serialize (msg, &error);

  g_assert_no_error (error);
  write_file (name, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  mky_message_free (msg);
}

static void
write_b64 (const char *name, const char *b64)
{
  g_autoptr (GBytes) d = test_b64 (b64);
  write_file (name, g_bytes_get_data (d, NULL), g_bytes_get_size (d));
}

static MkyPayload *
sample_payload (MkyPayloadType type)
{
  MkyPayload *p = mky_payload_new (type);
  sample_fill (p);
  return p;
}

/* A TEK with a key validity interval (the sample key has an SPI). */
static MkyPayload *
tek_with_interval (void)
{
  static const guint8 srtp_index[6] = { 0, 0, 0, 0, 0x10, 0 };
  MkyPayload *p = sample_payload (MKY_PT_KEY_DATA);
  MkyKeyData *kd = &p->u.key_data;

  kd->type = MKY_KD_TEK;
  mky_bytes_clear (&kd->salt, TRUE);
  mky_bytes_clear (&kd->kv.spi, FALSE);
  kd->kv.kv = MKY_KV_INTERVAL;
  mky_bytes_set (&kd->kv.valid_from, srtp_index, sizeof srtp_index);
  mky_bytes_set (&kd->kv.valid_to, srtp_index, sizeof srtp_index);
  return p;
}

/* A KEMAC plaintext: the chain, its first payload type implied. */
static void
write_chain (const char *name, MkyPayload *first, MkyPayload *second)
{
  g_autoptr (GPtrArray) chain =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mky_payload_free);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (chain, first);
  g_ptr_array_add (chain, second);
  if (!mky_payload_chain_serialize (chain, 0, out, &error))
    g_error ("%s", error->message);
  write_file (name, out->data, out->len);
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    g_printerr ("usage: %s DIR\n", argv[0]);
    return EXIT_FAILURE;
  }
  dir = argv[1];
  write_b64 ("rfc4567-init.bin", TEST_RFC4567_INIT_B64);
  write_b64 ("rfc4567-resp.bin", TEST_RFC4567_RESP_B64);
  write_message ("psk.bin", sample_psk ());
  write_message ("all.bin", sample_all ());
  for (guint i = 0; i < G_N_ELEMENTS (sample_types); i++) {
    g_autofree char *name = g_strdup_printf ("pt-%02u.bin", sample_types[i]);
    write_message (name, sample_single (sample_types[i]));
  }
  write_chain ("chain-key-data.bin", sample_payload (MKY_PT_KEY_DATA),
      tek_with_interval ());
  write_chain ("chain-id.bin", sample_payload (MKY_PT_ID),
      sample_payload (MKY_PT_KEY_DATA));
  return EXIT_SUCCESS;
}
